#!/usr/bin/env bash
# Makes `docker compose` (the v2 CLI plugin) available when it is missing,
# by building it from the Go module proxy into ~/.docker/cli-plugins. The
# first build takes about five minutes; Go's caches make later ones quick.
# Nothing is downloaded but Go modules.
set -euo pipefail
version=v2.40.3

if docker compose version >/dev/null 2>&1; then
  docker compose version
  exit 0
fi
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building docker compose $version from the Go module proxy into $plugins (a few minutes the first time)"
cd "$work"
go mod init compose-build >/dev/null 2>&1
go get "github.com/docker/compose/v2/cmd@$version"
mkdir -p "$plugins"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
  -o "$plugins/docker-compose" github.com/docker/compose/v2/cmd
docker compose version
