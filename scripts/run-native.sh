#!/usr/bin/env bash
# Runs the server and N agencies as local processes on DATA_DIR/agency-{i}.csv
# (DATA_DIR: .data unless given), waits for every agency to get its
# winners, then stops the server with SIGTERM. Logs go to stdout, each line
# prefixed by who wrote it, as compose does (`server  | …`, `client1 | …`).
# Each process's lines pass through a line-buffered prefixer and reach
# stdout whole and as they are written, through a pipe too (`make run |
# cat`, `| tee`): lines of different processes never break into each other.
# Usage: [NODES=1|3] scripts/run-native.sh N   (binaries from `make build`
# in BIN, bin/ unless given; the bets file in RUN_DIR, .run/ unless given)
#
# NODES=3 (NODES is 1 unless given) runs the three-node topology instead:
# NATS JetStream nodes nats1, nats2 and nats3 (BIN/nats-server with
# docker/nats.conf, one cluster, each node routed to the other two, its
# store in RUN_DIR/natsI), servers server1, server2 and server3 (told
# SERVER_STORE_BACKEND=jetstream, SERVER_NATS_URL the three nodes and
# SERVER_STORE_REPLICAS=3) and the agencies, each told the three servers'
# addresses in CLI_SERVER_ADDRESS (agency i's list starting at server
# (i-1) mod 3 + 1). Everything listens on 127.0.0.1, on
# ports nothing listens on yet: the servers' from SERVER_PORT (12345) up,
# the nodes' from NATS_PORT (4222) up and their routes' from
# NATS_CLUSTER_PORT (6222) up (bases under the kernel's ephemeral ports,
# 32768 up on Linux, which outgoing connections take as they go). Once the
# agencies are done, the servers are stopped, then the nodes (their last
# writes reach the store first).
#
# Every process is stopped with SIGTERM; one still running STOP_TIMEOUT
# seconds later (10) is killed. The exit status is 1 if any process failed.
set -euo pipefail
n=${1:?usage: run-native.sh N}
nodes=${NODES:-1}
if ! [[ $nodes =~ ^[13]$ ]]; then
  echo "run-native.sh: NODES must be 1 (one server) or 3 (three servers on three NATS nodes), got '$nodes'" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
port=${SERVER_PORT:-12345}
data=${DATA_DIR:-.data}
bin=${BIN:-bin}
run_dir=${RUN_DIR:-.run} # the bets file (NODES=3: the nodes' stores) and the log FIFOs
stop_timeout=${STOP_TIMEOUT:-10}
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
[ "$width" -ge 7 ] || width=7 # "server1"
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

# stop PID…: sends each SIGTERM and waits for them all; any still running
# stop_timeout seconds later is killed. Fails if any did not exit 0.
stop() {
  local p s=0 watchdog
  kill -TERM "$@" 2>/dev/null || true
  (
    sleeper=
    trap 'kill $sleeper 2>/dev/null; exit 0' TERM
    sleep "$stop_timeout" >/dev/null 2>&1 &
    sleeper=$!
    wait "$sleeper"
    echo "run-native.sh: still running ${stop_timeout}s after SIGTERM, killed: $*" >&2
    kill -KILL "$@" 2>/dev/null
  ) >/dev/null &
  watchdog=$!
  for p in "$@"; do wait "$p" || s=1; done
  kill -TERM "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  return $s
}

# free_port FROM: sets free to the first port from FROM up that nothing
# listens on at 127.0.0.1 and that this script has not taken yet.
taken=" "
free_port() {
  free=$1
  while [[ $taken == *" $free "* ]] || (exec 3<>"/dev/tcp/127.0.0.1/$free") 2>/dev/null; do
    free=$((free + 1))
    if [ "$free" -gt 65535 ]; then
      echo "run-native.sh: no free port from $1 up" >&2
      exit 1
    fi
  done
  taken+="$free "
}

servers=()
nats=()
# On an early exit, whatever was started is stopped.
trap 'kill -TERM ${servers[@]+"${servers[@]}"} ${nats[@]+"${nats[@]}"} 2>/dev/null || true' EXIT

if [ "$nodes" -eq 1 ]; then
  start server env SERVER_IP=127.0.0.1 SERVER_PORT="$port" SERVER_AGENCIES="$n" \
    SERVER_STORE_PATH="$run_dir/bets.csv" "$bin/server"
  servers=("$pid")
  addresses=127.0.0.1:$port
else
  client_ports=() cluster_ports=() server_ports=()
  for i in 1 2 3; do
    free_port "${NATS_PORT:-4222}" && client_ports[i]=$free
    free_port "${NATS_CLUSTER_PORT:-6222}" && cluster_ports[i]=$free
    free_port "$port" && server_ports[i]=$free
  done
  urls='' addresses=''
  for i in 1 2 3; do
    urls+="${urls:+,}nats://127.0.0.1:${client_ports[i]}"
    addresses+="${addresses:+,}127.0.0.1:${server_ports[i]}"
  done
  for i in 1 2 3; do
    routes=
    for j in 1 2 3; do
      [ "$j" -eq "$i" ] || routes+="${routes:+,}nats://127.0.0.1:${cluster_ports[j]}"
    done
    mkdir -p "$run_dir/nats$i"
    start "nats$i" "$bin/nats-server" -c docker/nats.conf -sd "$run_dir/nats$i" -n "nats$i" \
      -a 127.0.0.1 -p "${client_ports[i]}" --cluster "nats://127.0.0.1:${cluster_ports[i]}" --routes "$routes"
    nats+=("$pid")
  done
  # Each server gets a bets file path of its own under RUN_DIR too, so that
  # a server on the file backend writes there, never in the working tree.
  for i in 1 2 3; do
    mkdir -p "$run_dir/server$i"
    start "server$i" env SERVER_IP=127.0.0.1 SERVER_PORT="${server_ports[i]}" SERVER_AGENCIES="$n" \
      SERVER_STORE_BACKEND=jetstream SERVER_NATS_URL="$urls" SERVER_STORE_REPLICAS=3 \
      SERVER_STORE_PATH="$run_dir/server$i/bets.csv" "$bin/server"
    servers+=("$pid")
  done
fi

pids=()
for i in $(seq 1 "$n"); do
  list=$addresses
  if [ "$nodes" -eq 3 ]; then
    # Agency i starts at server (i-1) mod 3 + 1, so the agencies spread.
    list=''
    for k in 0 1 2; do
      list+="${list:+,}127.0.0.1:${server_ports[(i - 1 + k) % 3 + 1]}"
    done
  fi
  start "client$i" env CLI_ID="$i" CLI_SERVER_ADDRESS="$list" \
    CLI_DATA_PATH="$data/agency-$i.csv" "$bin/client"
  pids+=("$pid")
done
status=0
for p in ${pids[@]+"${pids[@]}"}; do wait "$p" || status=1; done
stop "${servers[@]}" || status=1
[ ${#nats[@]} -eq 0 ] || stop "${nats[@]}" || status=1
trap - EXIT
wait "${prefixers[@]}" # their last lines before the summary
rm -f "$run_dir"/*.log.fifo
if [ "$nodes" -eq 1 ]; then
  rows=0
  [ ! -f "$run_dir/bets.csv" ] || rows=$(wc -l <"$run_dir/bets.csv")
  echo "bets file: $run_dir/bets.csv ($rows rows)"
else
  echo "store: JetStream, replicas 3, on nats1..nats3 ($run_dir/nats1 … $run_dir/nats3)"
fi
exit $status
