#!/usr/bin/env bash
# DICOM series load benchmark: tandem vs pydicom vs SimpleITK.
#
#   bash bench/run.sh
#
# Environment (all optional):
#   TANDEM_BIN          tandem binary (default target/release/tandem; build it
#                       first with `cargo build --release`)
#   TANDEM_BENCH_ARGS   extra arguments put before the folders, e.g. "--runs 5"
#   BENCH_RUNS          timed runs per (peer, folder), after 1 warm-up (default 5)
#   BENCH_SYNTAXES      subset of: uncompressed rle jpegls j2k jpeg_lossless
#   BENCH_DATA          data folder (default target/bench-data)
#   BENCH_RESULTS       results folder (default target/bench-results)
#   PYTHON              python interpreter (default python3)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
RUNS=${BENCH_RUNS:-5}
DATA=${BENCH_DATA:-$ROOT/target/bench-data}
RESULTS=${BENCH_RESULTS:-$ROOT/target/bench-results}
TANDEM_BIN=${TANDEM_BIN:-target/release/tandem}
read -r -a SYNTAXES <<< "${BENCH_SYNTAXES:-uncompressed rle jpegls j2k jpeg_lossless}"
read -r -a TANDEM_ARGS <<< "${TANDEM_BENCH_ARGS:-}"

say() { printf 'run.sh: %s\n' "$*" >&2; }

# --- 1. tools --------------------------------------------------------------
missing_apt=()
command -v gdcmconv >/dev/null || missing_apt+=(libgdcm-tools)
command -v dcmcjpeg >/dev/null || missing_apt+=(dcmtk)
if ((${#missing_apt[@]})); then
    say "installing Debian packages: ${missing_apt[*]}"
    SUDO=()
    [[ $(id -u) -eq 0 ]] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing_apt[@]}"
fi

# Install the pinned Python packages unless exactly those versions are present.
if ! "$PYTHON" - bench/requirements.txt <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
bad = []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        have = None
    if have != want.strip():
        bad.append(f"{name.strip()} (have {have}, want {want.strip()})")
if bad:
    print("run.sh: python packages to install: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
then
    "$PYTHON" -m pip install --disable-pip-version-check -q -r bench/requirements.txt
fi

# --- 2. data -----------------------------------------------------------------
"$PYTHON" bench/make_data.py --out "$DATA" >/dev/null
DIRS=()
for s in "${SYNTAXES[@]}"; do
    DIRS+=("$DATA/$s")
done
mkdir -p "$RESULTS"

# Warn if other work keeps the CPUs busy (sampled over one second).
cpu_busy_pct() {
    local a b
    read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
    awk -v a="${a[*]:1}" -v b="${b[*]:1}" 'BEGIN {
        n = split(a, x); split(b, y); tot = 0
        for (i = 1; i <= n; i++) tot += y[i] - x[i]
        idle = (y[4] - x[4]) + (y[5] - x[5])
        printf "%d", (tot > 0 ? 100 * (tot - idle) / tot : 0) }'
}
busy=$(cpu_busy_pct)
if ((busy > 10)); then
    say "warning: the CPUs were ${busy}% busy before the benchmark; other work will skew the timings"
fi

# --- 3. tandem ---------------------------------------------------------------
: > "$RESULTS/tandem.jsonl"
if [[ ! -x $TANDEM_BIN ]]; then
    say "no tandem binary at $TANDEM_BIN (cargo build --release, or set TANDEM_BIN): skipping tandem"
else
    say "tandem: $TANDEM_BIN bench-load ${TANDEM_ARGS[*]:+${TANDEM_ARGS[*]} }<${#DIRS[@]} folders>"
    rc=0
    "$TANDEM_BIN" bench-load "${TANDEM_ARGS[@]}" "${DIRS[@]}" > "$RESULTS/tandem.jsonl" || rc=$?
    if ((rc != 0)); then
        say "'$TANDEM_BIN bench-load' failed (exit $rc): continuing without tandem"
        : > "$RESULTS/tandem.jsonl"
    fi
fi

# --- 4. peers ----------------------------------------------------------------
rc=0
"$PYTHON" bench/peers.py --runs "$RUNS" "${DIRS[@]}" > "$RESULTS/peers.jsonl" || rc=$?
((rc == 0)) || say "warning: peers.py exited $rc (see messages above)"

# --- 5. table ----------------------------------------------------------------
echo
"$PYTHON" bench/compare.py "$RESULTS/tandem.jsonl" "$RESULTS/peers.jsonl" | tee "$RESULTS/table.txt"
say "raw results in $RESULTS/"
