#!/usr/bin/env bash
# Issue #14's speed figures on one pair, in one run, beside their targets and the SimpleITK
# reference pipeline (bench/accuracy/peer_pipeline.py: Mattes MI rigid registration, 5%
# sampling, 3 levels, linear resampling, subtraction, components) on the same FLAIR series:
#
#   cargo build --release && bash bench/speed.sh
#
# The whole `tandem compare` (median of SPEED_RUNS, default 3: wall time, peak resident memory,
# the phases from report.json's timings_s) and the peer's wall time; the speed-up is the peer's
# time over Tandem's. The pair is `tandem synth --case SPEED_CASE` (default flair-1mm-01, a 1 mm
# 192×216×168 FLAIR pair with a post-contrast T1 from the real-brain head), made once into
# SPEED_DATA (default target/speed/). SimpleITK comes from bench/accuracy/requirements.txt in
# bench/accuracy/.venv (made here; PEER_PYTHON uses another interpreter as is; SPEED_PEER=0
# skips the peer).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TANDEM_BIN=${TANDEM_BIN:-$ROOT/target/release/tandem}
CASE=${SPEED_CASE:-flair-1mm-01}
DATA=${SPEED_DATA:-$ROOT/target/speed}
RUNS=${SPEED_RUNS:-3}
PAIR=$DATA/$CASE
say() { echo "speed: $*" >&2; }

[[ -x $TANDEM_BIN ]] || { say "no $TANDEM_BIN: cargo build --release first"; exit 1; }
if [[ ! -d $PAIR/baseline ]]; then
    say "making the pair $CASE into $PAIR"
    "$TANDEM_BIN" synth --case "$CASE" --out "$PAIR" >&2
fi

# --- Tandem: the whole compare, RUNS times ---------------------------------------------------
runs=$DATA/runs.tsv
: > "$runs"
for ((n = 1; n <= RUNS; n++)); do
    rm -rf "$DATA/out"
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" \
        "$TANDEM_BIN" compare "$PAIR/baseline" "$PAIR/followup" --out "$DATA/out" >/dev/null 2>&1 \
        || { say "tandem compare failed (run $n)"; exit 1; }
    read -r wall kib < "$DATA/time.txt"
    phases=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings_s"]
print(" ".join(f"{t[k]:.2f}" for k in ("scan","load","register","detect")))' "$DATA/out/report.json")
    echo "$wall $kib $phases" >> "$runs"
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
wall=$(cut -d' ' -f1 "$runs" | median)
kib=$(cut -d' ' -f2 "$runs" | median)
register=$(cut -d' ' -f5 "$runs" | median)
detect=$(cut -d' ' -f6 "$runs" | median)
dims=$("$TANDEM_BIN" info "$PAIR/baseline" | grep -m1 ' voxels, spacing' | sed 's/^ *//; s/ voxels.*//')

# --- The peer --------------------------------------------------------------------------------
peer="—"
if [[ ${SPEED_PEER:-1} != 0 ]]; then
    PY=${PEER_PYTHON:-}
    if [[ -z $PY ]]; then
        VENV=$HERE/accuracy/.venv
        [[ -x $VENV/bin/python ]] || "${PYTHON:-python3}" -m venv "$VENV"
        PY=$VENV/bin/python
        "$PY" -c 'import SimpleITK' 2>/dev/null \
            || "$PY" -m pip install --disable-pip-version-check -q -r "$HERE/accuracy/requirements.txt"
    fi
    flair() { find "$1" -mindepth 1 -maxdepth 1 -type d -iname '*flair*' | sort | head -1; }
    start=$(date +%s.%N)
    if "$PY" "$HERE/accuracy/peer_pipeline.py" "$(flair "$PAIR/baseline")" "$(flair "$PAIR/followup")" \
        --out "$DATA/peer-labels.nii.gz" > "$DATA/peer.log" 2>&1; then
        peer=$(echo "$(date +%s.%N) - $start" | bc)
    else
        say "the peer failed: $DATA/peer.log"
    fi
fi

# --- The table -------------------------------------------------------------------------------
python3 - "$wall" "$kib" "$register" "$detect" "$peer" "$dims" "$CASE" <<'EOF'
import math, re, sys
wall, kib, register, detect = (float(v) for v in sys.argv[1:5])
peer, dims, case = sys.argv[5], sys.argv[6], sys.argv[7]
voxels = math.prod(int(n) for n in re.findall(r"\d+", dims))
# The two float volumes a comparison holds at once: baseline and follow-up.
floats_mb = 2 * voxels * 4 / 1e6
peak_mb = kib / 1024
rows = [
    ("whole compare, wall", f"{wall:.2f} s", "≤ 1.0 s", wall <= 1.0),
    ("registration", f"{register:.2f} s", "≤ 0.5 s", register <= 0.5),
    ("detection", f"{detect:.2f} s", "—", None),
    ("peak memory", f"{peak_mb:.0f} MB = {peak_mb / floats_mb:.1f}× the two float volumes",
     "≤ 3×", peak_mb <= 3 * floats_mb),
]
if peer not in ("—", ""):
    p = float(peer)
    rows.append(("SimpleITK pipeline, wall", f"{p:.2f} s ({p / wall:.1f}× Tandem's)",
                 "Tandem ≥ 15× faster", p / wall >= 15))
print(f"{case}: {dims}")
print("| figure | measured | target | |")
print("|---|---|---|---|")
for name, measured, target, met in rows:
    word = "" if met is None else ("met" if met else "not met")
    print(f"| {name} | {measured} | {target} | {word} |")
EOF
