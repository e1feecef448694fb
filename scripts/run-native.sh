#!/usr/bin/env bash
# Runs the server and N agencies as local processes on DATA_DIR/agency-{i}.csv
# (DATA_DIR: .data unless given), waits for every agency to get its
# winners, then stops the server with SIGTERM. Logs go to stdout, each line
# prefixed by who wrote it, as compose does (`server  | …`, `client1 | …`).
# Each process's lines pass through a line-buffered prefixer and reach
# stdout whole and as they are written, through a pipe too (`make run |
# cat`, `| tee`): lines of different processes never break into each other.
# Usage: scripts/run-native.sh N   (binaries from `make build` in BIN, bin/
# unless given; the bets file in RUN_DIR, .run/ unless given)
set -euo pipefail
n=${1:?usage: run-native.sh N}
cd "$(dirname "$0")/.."
port=${SERVER_PORT:-12345}
data=${DATA_DIR:-.data}
bin=${BIN:-bin}
run_dir=${RUN_DIR:-.run} # the bets file and the log FIFOs
rm -rf "$run_dir" && mkdir -p "$run_dir"

# Line-buffered sed: GNU's -u, BSD's -l; else a shell loop (slower).
if sed -u '' </dev/null >/dev/null 2>&1; then
  unbuffered=(sed -u)
elif sed -l '' </dev/null >/dev/null 2>&1; then
  unbuffered=(sed -l)
else
  unbuffered=()
fi
width=$((${#n} + 6)) # "client" and the widest id
# prefix NAME: copies stdin to stdout, each line after "NAME | ", padded.
prefix() {
  local p
  p=$(printf "%-${width}s | " "$1")
  if [ ${#unbuffered[@]} -gt 0 ]; then
    "${unbuffered[@]}" "s/^/${p//\//\\/}/"
  else
    while IFS= read -r line || [ -n "$line" ]; do printf '%s%s\n' "$p" "$line"; done
  fi
}

# start NAME CMD…: runs CMD in the background, its stdout and stderr
# through a FIFO into prefix NAME; sets pid (CMD's) and adds the
# prefixer's to prefixers, so its last lines can be waited for.
prefixers=()
start() {
  local name=$1 fifo=$run_dir/$1.log.fifo
  shift
  mkfifo "$fifo"
  prefix "$name" <"$fifo" &
  prefixers+=($!)
  "$@" >"$fifo" 2>&1 &
  pid=$!
}

start server env SERVER_IP=127.0.0.1 SERVER_PORT="$port" SERVER_AGENCIES="$n" \
  SERVER_STORE_PATH="$run_dir/bets.csv" "$bin/server"
server=$pid
trap 'kill -TERM $server 2>/dev/null || true' EXIT

pids=()
for i in $(seq 1 "$n"); do
  start "client$i" env CLI_ID="$i" CLI_SERVER_ADDRESS="127.0.0.1:$port" \
    CLI_DATA_PATH="$data/agency-$i.csv" "$bin/client"
  pids+=("$pid")
done
status=0
for p in ${pids[@]+"${pids[@]}"}; do wait "$p" || status=1; done
kill -TERM "$server" && wait "$server" || status=1
trap - EXIT
wait "${prefixers[@]}" # their last lines before the summary
rm -f "$run_dir"/*.log.fifo
rows=0
[ ! -f "$run_dir/bets.csv" ] || rows=$(wc -l <"$run_dir/bets.csv")
echo "bets file: $run_dir/bets.csv ($rows rows)"
exit $status
