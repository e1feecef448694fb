#!/bin/sh
# Checks that the server at server:12345 echoes, from inside its Docker
# network: a throwaway container of the agency image, attached to the
# server container's network, runs `client echo`, which sends one echo
# message and wants the very same bytes back. Any server that sends back
# what it receives passes (a plain TCP echo server as well as ours); one
# that answers something else fails. No netcat on the host, no published
# port, no image to pull.
#
# Prints exactly one line on stdout, `action: test_echo_server | result:
# success` or `... | result: fail`, and exits 0 or 1; on fail, the reason
# is on stderr. While the server's health check is still `starting` it
# waits, at most WAIT seconds (20). It never hangs: the echo itself has a
# 3 s limit.
#
# SERVER_CONTAINER (server), SERVER_PORT (12345), CLIENT_IMAGE
# (tp0-client:latest) and WAIT can be overridden from the environment.
# POSIX sh: the course runs it as `sh validar-echo-server.sh`.
set -u
container=${SERVER_CONTAINER:-server}
port=${SERVER_PORT:-12345}
image=${CLIENT_IMAGE:-tp0-client:latest}
wait=${WAIT:-20}

# result success|fail [REASON…]: the one line on stdout, the reason on
# stderr, and the exit status.
result() {
  r=$1
  shift
  [ $# -eq 0 ] || printf 'validar-echo-server: %s\n' "$*" >&2 # not echo: dash's expands backslashes
  echo "action: test_echo_server | result: $r"
  [ "$r" = success ] && exit 0
  exit 1
}

# state: the container's "status health" (health empty without a check).
state() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container" 2>/dev/null
}

command -v docker >/dev/null 2>&1 || result fail "no docker command on this machine"
if ! s=$(state); then
  if ! docker info >/dev/null 2>&1; then
    result fail "the Docker engine does not answer (docker info fails)"
  fi
  result fail "no container named $container: start the server first (make up, or docker compose -f docker-compose-dev.yaml up -d)"
fi

# Bounded wait while the health check has not decided yet.
deadline=$(($(date +%s) + wait))
while [ "${s#* }" = starting ] && [ "$(date +%s)" -lt "$deadline" ]; do
  sleep 0.2 2>/dev/null || sleep 1
  s=$(state) || result fail "the container $container went away while starting"
done
status=${s%% *}
health=${s#* }
[ "$status" = running ] || result fail "the container $container is not running (status: $status)"
[ "$health" != starting ] || result fail "the server in $container is still starting after ${wait}s (health: starting)"

network=$(docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{println $name}}{{end}}' "$container" 2>/dev/null | sed -n '1p')
case $network in
'' | none | host) result fail "the container $container is on no network another container can join (${network:-none})" ;;
esac
docker image inspect "$image" >/dev/null 2>&1 || result fail "no image $image: build it first (make images)"

# The echo: bounded by CLI_TIMEOUT; timeout(1), when present, bounds
# docker run itself too.
limit=
command -v timeout >/dev/null 2>&1 && limit="timeout 30"
out=$($limit docker run --rm --network "$network" \
  -e CLI_SERVER_ADDRESS="$container:$port" -e CLI_TIMEOUT=3s \
  "$image" echo 2>&1)
code=$?
[ "$code" -ne 0 ] || result success
# The agency's own reason, from its `action: echo | result: fail` line.
reason=$(printf '%s\n' "$out" | sed -n 's/.*action: echo | result: fail | error: //p' | sed -n '1p')
if [ -n "$reason" ]; then
  [ "$health" != unhealthy ] || reason="$reason (the server's health check says unhealthy)"
  result fail "$reason"
fi
[ "$code" -ne 124 ] || result fail "docker run did not finish within 30s"
result fail "the echo container failed (exit $code): $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
