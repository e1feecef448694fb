#!/usr/bin/env bash
# Puts the course's dataset (a zip of agency-1.csv … agency-5.csv) in DIR,
# replacing the agency files there, and leaves everything else alone. DIR
# is meant to be apart from the committed synthetic .data/agency-*.csv
# (make dataset uses .data/course/, git-ignored), so they stay as they
# are; `make up DATA=DIR` runs the lottery on it.
#
#   scripts/dataset.sh ZIP DIR
#
# The zip's agency-N.csv files are taken wherever they are inside it. It
# uses unzip, else python3, else bsdtar.
set -euo pipefail

[ $# -eq 2 ] || {
  echo "usage: $(basename "$0") ZIP DIR" >&2
  exit 2
}
zip=$1 dir=$2
if [ ! -f "$zip" ]; then
  echo "no dataset at $zip: give the course's dataset.zip (the course ships it as .data/dataset.zip) with make dataset ZIP=path/to/dataset.zip" >&2
  exit 1
fi

mkdir -p -- "$dir"
tmp=$(mktemp -d "$dir/.unzip.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o -j "$zip" '*agency-*.csv' -d "$tmp" || true
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$zip" "$tmp" <<'PY'
import os, re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if re.fullmatch(r"agency-[0-9]+\.csv", base):
            with z.open(name) as src, open(os.path.join(sys.argv[2], base), "wb") as dst:
                dst.write(src.read())
PY
elif command -v bsdtar >/dev/null 2>&1; then
  bsdtar -xf "$zip" -C "$tmp" -s '|.*/||' '*agency-*.csv'
else
  echo "cannot open $zip: install unzip (or python3, or bsdtar)" >&2
  exit 1
fi

found=()
for f in "$tmp"/agency-*.csv; do
  [ -f "$f" ] || continue
  [[ $(basename "$f") =~ ^agency-[0-9]+\.csv$ ]] || continue
  found+=("$(basename "$f")")
done
if [ ${#found[@]} -eq 0 ]; then
  echo "$zip holds no agency-N.csv: is it the course's dataset?" >&2
  exit 1
fi
n=0
for f in "${found[@]}"; do
  [ ! -d "$dir/$f" ] || rmdir -- "$dir/$f" # an empty one, left by a bind mount
  mv -f -- "$tmp/$f" "$dir/$f"
  echo "$dir/$f: $(wc -l <"$dir/$f" | tr -d ' ') lines"
  i=${f#agency-}
  i=${i%.csv}
  [ "$i" -le "$n" ] || n=$i
done
echo "dataset in $dir; run it with: make up AGENCIES=$n DATA=$dir (or make run AGENCIES=$n DATA=$dir)"
