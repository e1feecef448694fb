#!/usr/bin/env bash
# Checks that the running server answers, from inside its Docker network: a
# throwaway container of the agency image, attached to the server's network,
# pings the server with a random payload that must come back unchanged. No
# netcat on the host, no published port, no image to pull.
#
# Prints exactly one line, `action: test_echo_server | result: success` or
# `... | result: fail`, and exits 0 or 1. It fails (never hangs) when the
# server or its network is gone.
#
# SERVER_CONTAINER (server), SERVER_PORT (12345) and CLIENT_IMAGE
# (tp0-client:latest) can be overridden from the environment.
set -u
container=${SERVER_CONTAINER:-server}
port=${SERVER_PORT:-12345}
image=${CLIENT_IMAGE:-tp0-client:latest}

result() {
  echo "action: test_echo_server | result: $1"
  [ "$1" = success ]
  exit
}

running=$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)
[ "$running" = true ] || result fail
network=$(docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{println $name}}{{end}}' "$container" 2>/dev/null | head -n 1)
[ -n "$network" ] || result fail
if timeout 30 docker run --rm --network "$network" \
  -e CLI_SERVER_ADDRESS="$container:$port" -e CLI_TIMEOUT=3s \
  "$image" ping >/dev/null 2>&1; then
  result success
fi
result fail
