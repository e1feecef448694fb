#!/usr/bin/env bash
# Writes a Docker Compose file for the server and N agencies.
#
#   [BET="first,last,document,birthdate,number"] [DATA_DIR=dir] [NODES=1|3] generar-compose.sh OUTPUT N
#
# N is 0 to 1000; with 0 the file has the server alone (SERVER_AGENCIES=0:
# it serves echo and ping and runs no lottery). Services and containers are
# named server and client1 … clientN, on one network. The server's and the
# agencies' YAML configurations are mounted read-only from docker/, so
# editing them and recreating the containers takes effect without
# rebuilding an image; agency i reads DATA_DIR/agency-i.csv (DATA_DIR is
# .data unless given, relative to OUTPUT's directory; a missing file is
# warned about, since compose would mount an empty directory in its place).
#
# The bets file is in the server container's own writable layer, not on a
# volume: it survives `docker restart server`, `docker stop` / `start` and
# `docker kill` + `start`; `docker compose down` then `up` (or `up
# --force-recreate`) makes a new container, a fresh lottery. The server
# restarts by itself when it exits with an error (at most 3 times in a
# row: a crash resumes from its bets file, a bad configuration soon stops
# trying), never after `docker stop`, `docker compose stop` or `docker
# kill`. Agencies start once the server's health check passes. The file
# suits both `docker compose` (v2) and `docker-compose` 1.29; the project
# name comes from .env.
#
# NODES=3 (NODES is 1 unless given) writes the three-node topology
# instead: NATS JetStream nodes nats1, nats2 and nats3 (image tp0-nats,
# docker/nats.conf mounted read-only), one cluster named loteria, each node
# routed to the other two; servers server1, server2 and server3, each told
# SERVER_STORE_BACKEND=jetstream, SERVER_NATS_URL (the three nodes) and
# SERVER_STORE_REPLICAS=3, with N and the secrets as the single server;
# and the agencies, each told CLI_SERVER_ADDRESS (the three servers,
# agency i's list starting at server (i-1) mod 3 + 1, so that the agencies
# spread over the servers and fail over round the list). As
# the single server's bets file, each node's store is in its container's
# writable layer, not on a volume: it survives a restart of the container,
# and `down` then `up` is a fresh lottery. The nodes and the servers
# restart on failure as the single server does. Servers start once the
# nodes' containers have started and agencies once the servers' have:
# the nodes have no health check (the image has nothing to run one with),
# the servers wait for the nodes and the agencies retry until a server
# answers. With NODES=1 the file is exactly the single server's.
#
# BET, when set, gives agency 1 one extra bet, sent before its file's: the
# five fields of the client's NOMBRE, APELLIDO, DOCUMENTO, NACIMIENTO
# (YYYY-MM-DD) and NUMERO, comma-separated (spaces around a field are
# dropped; the agency validates the values).
#
# Every agency has a secret. Next to OUTPUT, .secrets/agency-i.env
# (CLI_SECRET=32 hex digits from /dev/urandom, mode 0600) is created when
# missing and never overwritten; .secrets/server.env (SERVER_SECRETS=1:…,2:…)
# is rewritten from them on every run with N > 0. Agency i gets its file as
# env_file, the server gets server.env. .secrets/ is git-ignored. With N = 0
# there are no secrets and .secrets/ is left alone.
set -euo pipefail

usage() {
  [ $# -eq 0 ] || echo "$(basename "$0"): $*" >&2
  cat >&2 <<EOF
usage: [BET="first,last,document,birthdate,number"] [DATA_DIR=dir] [NODES=1|3] $(basename "$0") OUTPUT AGENCIES
  AGENCIES: a whole number, 0 to 1000 (0: the server alone)
  BET:      one extra bet for agency 1, five comma-separated fields,
            e.g. BET="Santiago Lionel,Lorca,30904465,1999-03-17,7574"
  DATA_DIR: where agency i's agency-i.csv is (default .data)
  NODES:    1 (default: one server and its bets file) or 3 (three servers
            on a three-node NATS JetStream cluster, replicas 3)
EOF
  exit 2
}

[ $# -eq 2 ] || usage "want 2 arguments, got $#"
out=$1
[[ $2 =~ ^[0-9]{1,4}$ ]] || usage "AGENCIES must be a whole number, got '$2'"
n=$((10#$2))
[ "$n" -le 1000 ] || usage "AGENCIES must be at most 1000, got $n" # the server takes 0..1000

nodes=${NODES:-1}
[[ $nodes =~ ^[13]$ ]] || usage "NODES must be 1 or 3, got '$nodes'"

data=${DATA_DIR:-.data}
[[ $data =~ ^[A-Za-z0-9._/-]+$ ]] ||
  usage "DATA_DIR may hold only letters, digits and . _ / - (compose reads : and \$ in a mount), got '$data'"
while [[ $data == */ && $data != / ]]; do data=${data%/}; done
case $data in
/* | ./* | ../* | . | ..) ;;
*) data=./$data ;; # without ./ compose would take it for a volume's name
esac

# yaml_env NAME VALUE: a double-quoted YAML list item NAME=VALUE in which
# compose interpolates nothing ($ is written $$).
yaml_env() {
  local v=$2
  v=${v//\\/\\\\}
  v=${v//\"/\\\"}
  v=${v//\$/\$\$}
  printf '      - "%s=%s"\n' "$1" "$v"
}

# trim S: S without the spaces around it.
trim() {
  local s=$1
  s=${s#"${s%%[! ]*}"}
  s=${s%"${s##*[! ]}"}
  printf '%s' "$s"
}

bet=()
if [ -n "${BET:-}" ]; then
  [ "$n" -ge 1 ] || usage "BET is agency 1's bet, and AGENCIES is 0"
  ! [[ $BET =~ [[:cntrl:]] ]] || usage "BET must be one line of text"
  IFS=, read -r -a fields <<<"$BET,"
  [ "${#fields[@]}" -eq 5 ] ||
    usage "BET must be five comma-separated fields (first,last,document,birthdate,number), got ${#fields[@]}: '$BET'"
  for i in 0 1 2 3 4; do
    bet[i]=$(trim "${fields[i]}")
    [ -n "${bet[i]}" ] || usage "BET's field $((i + 1)) is empty: '$BET'"
  done
fi

secrets=$(dirname -- "$out")/.secrets

# write FILE LINE: FILE holds LINE, mode 0600, replaced whole or not at all.
write() {
  (umask 077 && printf '%s\n' "$2" >"$1.tmp" && mv -f -- "$1.tmp" "$1")
}

# secret_of FILE: the CLI_SECRET in an agency's file, checked (compose
# reads env files, the server splits its list on , and :) and never shown
# in an error.
secret_of() {
  local s
  s=$(sed -n 's/^CLI_SECRET=//p' "$1" | tail -n 1)
  if ! [[ $s =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
    echo "$1: want one line CLI_SECRET=… (letters, digits and . _ ~ + / = -)" >&2
    exit 1
  fi
  printf '%s' "$s"
}

if [ "$n" -gt 0 ]; then
  (umask 077 && mkdir -p -- "$secrets")
  list=
  for i in $(seq 1 "$n"); do
    f=$secrets/agency-$i.env
    if [ ! -e "$f" ]; then
      write "$f" "CLI_SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    fi
    list+="${list:+,}$i:$(secret_of "$f")"
  done
  write "$secrets/server.env" "SERVER_SECRETS=$list"
fi

missing=()
for i in $(seq 1 "$n"); do
  f=$data/agency-$i.csv
  case $f in /*) host=$f ;; *) host=$(dirname -- "$out")/$f ;; esac
  [ -f "$host" ] || missing+=("$f")
done

# server_one: the single server, named server, with its bets file.
server_one() {
  cat <<YAML
  server:
    container_name: server
    image: tp0-server:latest
    restart: on-failure:3
    environment:
      - SERVER_AGENCIES=$n
YAML
  [ "$n" -eq 0 ] || echo "    env_file: .secrets/server.env"
  cat <<YAML
    volumes:
      - ./docker/server.yaml:/config/server.yaml:ro
    networks:
      - testing_net
YAML
}

# nats_node I: NATS JetStream node natsI, routed to the other two nodes.
nats_node() {
  local routes='' j
  for j in 1 2 3; do
    [ "$j" -eq "$1" ] || routes+="${routes:+,}nats://nats$j:6222"
  done
  cat <<YAML
  nats$1:
    container_name: nats$1
    image: tp0-nats:latest
    restart: on-failure:3
    command: ["-c", "/config/nats.conf", "-sd", "/data", "-n", "nats$1", "--routes", "$routes"]
    volumes:
      - ./docker/nats.conf:/config/nats.conf:ro
    networks:
      - testing_net

YAML
}

# server_of_three I: server I of three, its store on the three nodes.
server_of_three() {
  cat <<YAML
  server$1:
    container_name: server$1
    image: tp0-server:latest
    restart: on-failure:3
    environment:
      - SERVER_AGENCIES=$n
      - SERVER_STORE_BACKEND=jetstream
      - SERVER_NATS_URL=nats://nats1:4222,nats://nats2:4222,nats://nats3:4222
      - SERVER_STORE_REPLICAS=3
YAML
  [ "$n" -eq 0 ] || echo "    env_file: .secrets/server.env"
  cat <<YAML
    volumes:
      - ./docker/server.yaml:/config/server.yaml:ro
    networks:
      - testing_net
    depends_on:
      nats1:
        condition: service_started
      nats2:
        condition: service_started
      nats3:
        condition: service_started
YAML
}

# client I: agency I.
client() {
  cat <<YAML

  client$1:
    container_name: client$1
    image: tp0-client:latest
    environment:
      - CLI_ID=$1
YAML
  if [ "$nodes" -eq 3 ]; then
    # Agency I starts at server (I-1) mod 3 + 1 and fails over round the
    # list, so the agencies spread over the three servers.
    local list='' k
    for k in 0 1 2; do
      list+="${list:+,}server$((($1 - 1 + k) % 3 + 1)):12345"
    done
    echo "      - CLI_SERVER_ADDRESS=$list"
  fi
  if [ "$1" -eq 1 ] && [ ${#bet[@]} -eq 5 ]; then
    yaml_env NOMBRE "${bet[0]}"
    yaml_env APELLIDO "${bet[1]}"
    yaml_env DOCUMENTO "${bet[2]}"
    yaml_env NACIMIENTO "${bet[3]}"
    yaml_env NUMERO "${bet[4]}"
  fi
  cat <<YAML
    env_file: .secrets/agency-$1.env
    volumes:
      - ./docker/client.yaml:/config/client.yaml:ro
      - $data/agency-$1.csv:/data/agency.csv:ro
    networks:
      - testing_net
    depends_on:
YAML
  if [ "$nodes" -eq 1 ]; then
    printf '      server:\n        condition: service_healthy\n'
  else
    printf '      server%s:\n        condition: service_started\n' 1 2 3
  fi
}

{
  if [ "$nodes" -eq 1 ]; then
    what="server and $n agencies"
    [ "$n" -gt 0 ] || what="the server alone, no lottery"
    echo "# Generated by generar-compose.sh (agencies: $n). Regenerate it; do not edit."
    [ "$n" -gt 0 ] || echo "# The server alone: it serves echo and ping, and runs no lottery."
  else
    what="3 NATS nodes, 3 servers and $n agencies"
    [ "$n" -gt 0 ] || what="3 NATS nodes and 3 servers alone, no lottery"
    echo "# Generated by generar-compose.sh (agencies: $n, nodes: 3). Regenerate it; do not edit."
    echo "# Three servers on one NATS JetStream cluster of three nodes, the bets on all three (replicas 3)."
    [ "$n" -gt 0 ] || echo "# The servers alone: they serve echo and ping, and run no lottery."
  fi
  [ ${#bet[@]} -eq 0 ] || echo "# client1 also sends the bet given in BET (NOMBRE … NUMERO), before its file's."
  echo "services:"
  if [ "$nodes" -eq 1 ]; then
    server_one
  else
    for i in 1 2 3; do nats_node "$i"; done
    for i in 1 2 3; do
      [ "$i" -eq 1 ] || echo
      server_of_three "$i"
    done
  fi
  for i in $(seq 1 "$n"); do client "$i"; done
  cat <<YAML

networks:
  testing_net: {}
YAML
} >"$out.tmp"
mv -f -- "$out.tmp" "$out"

if [ "$n" -gt 0 ]; then
  extra=
  [ ${#bet[@]} -eq 0 ] || extra="; client1 also sends BET's bet (document ${bet[2]})"
  echo "wrote $out: $what, their secrets in $secrets$extra"
else
  echo "wrote $out: $what"
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "warning: ${#missing[@]} agency file(s) missing, e.g. ${missing[0]}: create them before up (make data), or compose mounts an empty directory in their place" >&2
fi
