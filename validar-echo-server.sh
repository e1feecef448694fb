#!/bin/sh
# The course's entry point (it runs `sh validar-echo-server.sh`); the
# script, POSIX sh too, lives in scripts/.
exec sh "$(dirname "$0")/scripts/validar-echo-server.sh" "$@"
