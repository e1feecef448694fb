#!/usr/bin/env bash
# Runs the course's black-box tests (tp0-tests, ej1–ej8) against this
# project, the way the course runs them, adapted only where they assume the
# course skeleton's layout.
#
#   scripts/course-tests.sh TESTS_DIR [pytest arguments…]
#
# Without TESTS_DIR it says how to get the tests. The tests run against the
# project's committed HEAD: a temporary clone, with branches ej1…ej8 at HEAD
# (the tests switch to them), is their REPO_PATH. pytest runs in a temporary
# copy of TESTS_DIR, with the course's pytest.ini as it is (300 s a test),
# and loads scripts/course/course_adapter.py, which replaces only how the
# configuration is written (docker/client.yaml, docker/server.yaml), how the
# images are built (make images echomock-image) and the mock echo servers'
# compose file (scripts/course/docker-compose-mock.yaml); no assertion,
# parser, timeout or test order changes. Both temporary trees are removed
# at the end, and so are the containers and networks of the run. A table
# test → result closes the run; the exit status is pytest's.
#
# The course's tests stop EVERY running container on the machine and prune
# stopped containers, unused networks and dangling images.
#
# PYTHON picks the interpreter (default: the first of python3,
# /usr/bin/python3 that has pytest and pytest-timeout).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fork=https://github.com/PMNaza/tp0-tests
course=https://github.com/7574-sistemas-distribuidos/tp0-tests
commit=0c44cb1d

usage() {
  cat <<EOF
usage: scripts/course-tests.sh TESTS_DIR [pytest arguments…]

Runs the course's black-box tests (tp0-tests) against this project's
committed HEAD (uncommitted changes are not tested), in temporary copies of
the project and of TESTS_DIR; both are removed at the end.

Get the tests (ej1–ej8, all eight, from the fork; $commit is the course
staff's last commit there, the later ones are a student's):

  git clone $fork tp0-tests
  git -C tp0-tests checkout $commit

The course's own repository holds ej1–ej4 only:

  git clone $course

Then, for example:

  scripts/course-tests.sh ../tp0-tests            # all of them
  scripts/course-tests.sh ../tp0-tests -k ej3     # pytest arguments follow

ej5 expects agency 1 to send one bet from the NOMBRE… variables, which
generar-compose.sh writes only when BET is in its environment; without it,
ej5 fails (at its 300 s timeout). To see ej5 pass, alone (with BET set,
ej6–ej8 count one bet more than their files hold):

  BET="Santiago Lionel,Lorca,30904465,1999-03-17,7574" scripts/course-tests.sh ../tp0-tests -k ej5

Warning: the course's tests stop every running container on this machine
and prune stopped containers, unused networks and dangling images.
Needs: docker with compose v2, git, make, go, and Python with pytest and
pytest-timeout.
EOF
}

die() {
  echo "course-tests: $*" >&2
  exit 2
}

# find_python prints the first interpreter that has pytest and pytest-timeout.
find_python() {
  local p candidates=(python3 /usr/bin/python3)
  if [ -n "${PYTHON:-}" ]; then
    candidates=("$PYTHON")
  fi
  for p in "${candidates[@]}"; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pytest, pytest_timeout' >/dev/null 2>&1; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

check_prerequisites() {
  local tool v major
  for tool in git make go docker; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (needed to build the images and run the tests)"
  done
  docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info fails)"
  if ! v=$(docker compose version --short 2>/dev/null); then
    die "docker compose (v2) is missing, and the course's tests call 'docker compose'.
Install it with scripts/install-compose.sh (it builds the CLI plugin into ~/.docker/cli-plugins), then run this again."
  fi
  major=${v#v}
  major=${major%%.*}
  if ! [[ $major =~ ^[0-9]+$ ]] || [ "$major" -lt 2 ]; then
    die "docker compose $v: the tests need v2 or later (scripts/install-compose.sh)"
  fi
  if ! python=$(find_python); then
    die "no Python with pytest and pytest-timeout (tried ${PYTHON:-python3, /usr/bin/python3}).
On Debian or Ubuntu: sudo apt-get install python3-pytest python3-pytest-timeout
Elsewhere, in a virtualenv: pip install -r TESTS_DIR/requirements.txt
Or set PYTHON to an interpreter that has them."
  fi
}

# check_tests_dir DIR: DIR looks like a checkout of tp0-tests.
check_tests_dir() {
  local f
  [ -d "$1" ] || die "$1: no such directory (run without arguments to see how to get the tests)"
  for f in pytest.ini utils/config.py utils/docker.py utils/line_parser.py test_ej1.py; do
    [ -f "$1/$f" ] || die "$1 is not a checkout of tp0-tests: it has no $f"
  done
}

# remove_containers removes what the last test may have left running: the
# project's containers and network, and the mock's.
remove_containers() {
  local p
  if [ -f "$work/repo/docker-compose-dev.yaml" ]; then
    (cd "$work/repo" && docker compose -f docker-compose-dev.yaml down -t 1 --remove-orphans) >/dev/null 2>&1 || true
  fi
  for p in healthy unhealthy; do
    docker compose -f "$work/mock/docker-compose-mock.yaml" --profile "$p" down -t 1 >/dev/null 2>&1 || true
  done
}

# cleanup removes the containers and the temporary trees (on exit,
# interrupted or not).
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "${work:-}" ] && [ -d "$work" ]; then
    remove_containers
    rm -rf "$work"
  fi
}

# summary RESULTS SECONDS RC: the table test → result, and the failures'
# reasons.
summary() {
  local elapsed
  elapsed=$(printf '%dm%02ds' $(($2 / 60)) $(($2 % 60)))
  if [ ! -s "$1" ]; then
    echo "course-tests: no test ran (pytest exit $3) in $elapsed"
    return
  fi
  awk -F'\t' -v elapsed="$elapsed" -v head="${sha:0:12}" '
    { n++; name[n] = $1; res[n] = $2; secs[n] = $3; why[n] = $4; count[$2]++
      if (length($1) > w) w = length($1) }
    END {
      fmt = "%-" w "s  %-7s  %7s\n"
      printf "\ncourse tests on %s (committed HEAD): %d passed, %d failed", head, count["passed"], count["failed"]
      if (count["skipped"]) printf ", %d skipped", count["skipped"]
      printf " of %d, in %s\n\n", n, elapsed
      printf fmt, "test", "result", "seconds"
      for (i = 1; i <= n; i++) printf fmt, name[i], res[i], secs[i]
      for (i = 1; i <= n; i++) if (res[i] == "failed") {
        if (!shown++) printf "\nwhy:\n"
        printf "  %s: %s\n", name[i], why[i]
      }
    }' "$1"
}

if [ $# -eq 0 ]; then
  usage
  exit 0
fi
case $1 in
  -h | -help | --help | help)
    usage
    exit 0
    ;;
esac
check_tests_dir "$1"
tests_dir=$(cd "$1" && pwd)
shift
check_prerequisites

sha=$(git -C "$root" rev-parse HEAD)
work=$(mktemp -d "${TMPDIR:-/tmp}/course-tests.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "course-tests: testing commit ${sha:0:12}, the committed HEAD of $root"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
  echo "course-tests: note: $root has uncommitted changes; they are not tested"
fi
echo "course-tests: the course's tests stop every running container on this machine and prune stopped ones"
if [ -n "${BET:-}" ]; then
  echo "course-tests: note: BET is set, so agency 1 sends one more bet: ej5 can pass, ej6–ej8 will count it"
fi

git clone -q --no-checkout "$root" "$work/repo"
git -C "$work/repo" checkout -q -B course-tests "$sha"
for i in 1 2 3 4 5 6 7 8; do
  git -C "$work/repo" branch -f "ej$i" "$sha"
done
mkdir "$work/tests" "$work/mock"
tar -C "$tests_dir" --exclude=.git --exclude=__pycache__ --exclude=.pytest_cache -cf - . | tar -C "$work/tests" -xf -
cp "$root/scripts/course/docker-compose-mock.yaml" "$work/mock/docker-compose-mock.yaml"
results=$work/results.tsv
: >"$results"

start=$SECONDS
rc=0
# An interrupt reaches pytest too (Ctrl-C: the whole process group), which
# stops; then the containers go and the table shows what ran.
interrupted=
trap 'interrupted=130' INT
trap 'interrupted=143' TERM
(
  cd "$work/tests"
  exec env REPO_PATH="$work/repo" \
    COURSE_MOCK_COMPOSE="$work/mock/docker-compose-mock.yaml" \
    COURSE_RESULTS="$results" \
    PYTHONPATH="$root/scripts/course${PYTHONPATH:+:$PYTHONPATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    "$python" -m pytest -p course_adapter -p no:cacheprovider -v "$@"
) || rc=$?
elapsed=$((SECONDS - start))
trap 'exit 130' INT
trap 'exit 143' TERM
remove_containers
summary "$results" "$elapsed" "$rc"
if [ -n "$interrupted" ]; then
  echo "course-tests: interrupted"
  rc=$interrupted
fi
trap - EXIT
rm -rf "$work"
exit "$rc"
