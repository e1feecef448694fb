#!/usr/bin/env bash
# Runs the server and N agencies as local processes on .data/agency-{i}.csv,
# waits for every agency to get its winners, then stops the server with
# SIGTERM. Logs go to the terminal, each line prefixed by who wrote it.
# Usage: scripts/run-native.sh N   (binaries from `make build` in bin/)
set -euo pipefail
n=${1:?usage: run-native.sh N}
cd "$(dirname "$0")/.."
port=${SERVER_PORT:-12345}
run_dir=.run
rm -rf "$run_dir" && mkdir -p "$run_dir"

SERVER_IP=127.0.0.1 SERVER_PORT=$port SERVER_AGENCIES=$n SERVER_STORE_PATH=$run_dir/bets.csv \
  bin/server > >(sed 's/^/server  | /') 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT

pids=()
for i in $(seq 1 "$n"); do
  CLI_ID=$i CLI_SERVER_ADDRESS=127.0.0.1:$port CLI_DATA_PATH=.data/agency-$i.csv \
    bin/client > >(sed "s/^/client$i | /") 2>&1 &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
kill -TERM $server && wait $server || status=1
trap - EXIT
echo "bets file: $run_dir/bets.csv ($(wc -l < $run_dir/bets.csv) rows)"
exit $status
