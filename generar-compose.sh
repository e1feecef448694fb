#!/usr/bin/env bash
# The course's entry point; the script lives in scripts/.
exec "$(dirname "$0")/scripts/generar-compose.sh" "$@"
