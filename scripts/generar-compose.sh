#!/usr/bin/env bash
# Writes a Docker Compose file for the server and N agencies.
#
#   [BET="first,last,document,birthdate,number"] [DATA_DIR=dir] generar-compose.sh OUTPUT N
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
usage: [BET="first,last,document,birthdate,number"] [DATA_DIR=dir] $(basename "$0") OUTPUT AGENCIES
  AGENCIES: a whole number, 0 to 1000 (0: the server alone)
  BET:      one extra bet for agency 1, five comma-separated fields,
            e.g. BET="Santiago Lionel,Lorca,30904465,1999-03-17,7574"
  DATA_DIR: where agency i's agency-i.csv is (default .data)
EOF
  exit 2
}

[ $# -eq 2 ] || usage "want 2 arguments, got $#"
out=$1
[[ $2 =~ ^[0-9]{1,4}$ ]] || usage "AGENCIES must be a whole number, got '$2'"
n=$((10#$2))
[ "$n" -le 1000 ] || usage "AGENCIES must be at most 1000, got $n" # the server takes 0..1000

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

{
  what="server and $n agencies"
  [ "$n" -gt 0 ] || what="the server alone, no lottery"
  echo "# Generated by generar-compose.sh (agencies: $n). Regenerate it; do not edit."
  [ "$n" -gt 0 ] || echo "# The server alone: it serves echo and ping, and runs no lottery."
  [ ${#bet[@]} -eq 0 ] || echo "# client1 also sends the bet given in BET (NOMBRE … NUMERO), before its file's."
  cat <<YAML
services:
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
  for i in $(seq 1 "$n"); do
    cat <<YAML

  client$i:
    container_name: client$i
    image: tp0-client:latest
    environment:
      - CLI_ID=$i
YAML
    if [ "$i" -eq 1 ] && [ ${#bet[@]} -eq 5 ]; then
      yaml_env NOMBRE "${bet[0]}"
      yaml_env APELLIDO "${bet[1]}"
      yaml_env DOCUMENTO "${bet[2]}"
      yaml_env NACIMIENTO "${bet[3]}"
      yaml_env NUMERO "${bet[4]}"
    fi
    cat <<YAML
    env_file: .secrets/agency-$i.env
    volumes:
      - ./docker/client.yaml:/config/client.yaml:ro
      - $data/agency-$i.csv:/data/agency.csv:ro
    networks:
      - testing_net
    depends_on:
      server:
        condition: service_healthy
YAML
  done
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
