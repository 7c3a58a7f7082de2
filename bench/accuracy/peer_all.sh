#!/usr/bin/env bash
# Run the SimpleITK peer (peer_pipeline.py) on every pair of a corpus and score it.
#
#   bash bench/accuracy/peer_all.sh CORPUS_DIR
#
# Each pair folder P under CORPUS_DIR has the layout of sample_data/:
#   P/baseline/<series>/  P/followup/<series>/  (DICOM folders)
#   P/ground_truth.json   P/reference/lesions-followup.nii.gz
# For each pair the peer runs on the FLAIR series (the first folder, sorted, named
# FLAIR*, else one with FLAIR anywhere in its name in any case, else the first
# series folder; in the follow-up the baseline's name when present) and writes
#   P/peer/labels.nii.gz   label map on the baseline grid
#   P/peer/peer.json       per-lesion centroids/volumes, timings, settings
#   P/peer/peer.log        the peer's stderr
#   P/peer/score.json      `tandem score --json` against the reference, plus a
#                          "peer" object (series used, timings); or, when
#                          anything failed, {"error": ..., "stage": ...}
# A pair with P/peer/score.json is skipped (PEER_FORCE=1 redoes every pair,
# PEER_RETRY_ERRORS=1 redoes only those whose score.json holds an "error"; after
# a scoring failure it rescores the peer's existing labels without rerunning it).
# A failing pair never stops the loop.
#
# Environment (all optional):
#   TANDEM_BIN         scorer binary (default target/release/tandem)
#   PEER_PYTHON        interpreter to use as is (skips the venv)
#   PYTHON             interpreter that creates the venv (default python3)
#   PEER_TIMEOUT       seconds allowed per peer run (default 1800)
#   PEER_FORCE, PEER_RETRY_ERRORS   see above
set -uo pipefail

if (($# != 1)) || [[ ! -d $1 ]]; then
    echo "usage: bash bench/accuracy/peer_all.sh CORPUS_DIR" >&2
    exit 2
fi
CORPUS=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TANDEM_BIN=${TANDEM_BIN:-$ROOT/target/release/tandem}
TIMEOUT=${PEER_TIMEOUT:-1800}
FORCE=${PEER_FORCE:-0}
RETRY=${PEER_RETRY_ERRORS:-0}

say() { printf 'peer_all: %s\n' "$*" >&2; }

# --- 1. python: the pinned packages in bench/accuracy/.venv --------------------
check_reqs() {  # exit 0 when exactly the pinned versions are importable by $1
    "$1" - "$HERE/requirements.txt" <<'PY'
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
    print("peer_all: python packages to install: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
}

if [[ -n ${PEER_PYTHON:-} ]]; then
    PY=$PEER_PYTHON
else
    VENV=$HERE/.venv
    if [[ ! -x $VENV/bin/python ]]; then
        say "creating $VENV"
        "${PYTHON:-python3}" -m venv "$VENV" || { say "could not create the venv"; exit 1; }
    fi
    PY=$VENV/bin/python
    if ! check_reqs "$PY"; then
        "$PY" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt" \
            || { say "pip install failed"; exit 1; }
    fi
fi
check_reqs "$PY" || { say "$PY lacks the pinned packages"; exit 1; }

if [[ ! -x $TANDEM_BIN ]]; then
    say "no tandem binary at $TANDEM_BIN (cargo build --release, or set TANDEM_BIN)"
    exit 1
fi

# --- 2. helpers -------------------------------------------------------------
# The series folder to use in EXAM_DIR (PREFER when given and present).
pick_series() {
    local exam=$1 prefer=${2:-} d
    [[ -d $exam ]] || return 1
    if [[ -n $prefer && -d $exam/$prefer ]]; then
        printf '%s\n' "$prefer"; return 0
    fi
    local names=() n
    for d in "$exam"/*/; do
        [[ -d $d ]] && names+=("$(basename "$d")")
    done
    ((${#names[@]})) || return 1
    for n in "${names[@]}"; do  # FLAIR*, then *FLAIR* (any case), then the first
        [[ ${n^^} == FLAIR* ]] && { printf '%s\n' "$n"; return 0; }
    done
    for n in "${names[@]}"; do
        [[ ${n^^} == *FLAIR* ]] && { printf '%s\n' "$n"; return 0; }
    done
    printf '%s\n' "${names[0]}"
}

# write_error OUT_JSON STAGE MESSAGE [LOG]: {"error": MESSAGE (+ last log lines), "stage": STAGE}
write_error() {
    "$PY" - "$@" <<'PY'
import json, os, sys
out, stage, msg = sys.argv[1:4]
doc = {"error": msg, "stage": stage}
if len(sys.argv) > 4 and os.path.isfile(sys.argv[4]):
    with open(sys.argv[4], errors="replace") as f:
        doc["log_tail"] = f.read().splitlines()[-15:]
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.replace(tmp, out)
PY
}

# merge_score SCORE_RAW PEER_JSON OUT BASELINE_SERIES FOLLOWUP_SERIES
merge_score() {
    "$PY" - "$@" <<'PY'
import json, os, sys
raw, peer_json, out, bs, fs = sys.argv[1:6]
with open(raw) as f:
    score = json.load(f)
with open(peer_json) as f:
    peer = json.load(f)
score["peer"] = {
    "tool": peer.get("tool"),
    "baseline_series": bs,
    "followup_series": fs,
    "lesions": len(peer.get("lesions", [])),
    "timings_s": peer.get("timings_s"),
    "registration_metric": peer.get("registration", {}).get("final_metric"),
    "registration_error_mm": (peer.get("registration", {}).get("error_vs_truth") or {}).get("mean_displacement_mm"),
}
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(score, f, indent=2)
    f.write("\n")
os.replace(tmp, out)
print(f"F1 {score.get('lesion_f1', float('nan')):.2f}  sens {score.get('lesion_sensitivity', float('nan')):.2f}  "
      f"PPV {score.get('lesion_ppv', float('nan')):.2f}  ({score['peer']['lesions']} marks, "
      f"{(peer.get('timings_s') or {}).get('total', float('nan')):.1f} s)")
PY
}

# --- 3. the pairs -------------------------------------------------------------
n_ok=0 n_err=0 n_skip=0
for P in "$CORPUS"/*/; do
    P=${P%/}
    name=$(basename "$P")
    [[ -d $P/baseline && -d $P/followup ]] || continue
    out=$P/peer
    score=$out/score.json
    if [[ -f $score && $FORCE != 1 ]]; then
        if [[ $RETRY == 1 ]] && grep -q '"error"' "$score"; then
            :
        else
            n_skip=$((n_skip + 1))
            continue
        fi
    fi
    mkdir -p "$out" || { say "$name: cannot create $out"; n_err=$((n_err + 1)); continue; }
    # A retry after a scoring failure reuses the peer's finished output.
    reuse=0
    if [[ $FORCE != 1 && -f $score && -f $out/labels.nii.gz && -f $out/peer.json ]] \
        && grep -q '"stage": "score"' "$score"; then
        reuse=1
    fi
    rm -f "$score"
    ((reuse)) || rm -f "$out/labels.nii.gz" "$out/peer.json"

    ref=$P/reference/lesions-followup.nii.gz
    if ! bs=$(pick_series "$P/baseline"); then
        write_error "$score" input "no series folder in baseline/"; say "$name: error (no baseline series)"
        n_err=$((n_err + 1)); continue
    fi
    if ! fs=$(pick_series "$P/followup" "$bs"); then
        write_error "$score" input "no series folder in followup/"; say "$name: error (no follow-up series)"
        n_err=$((n_err + 1)); continue
    fi
    if [[ ! -f $ref ]]; then
        write_error "$score" input "no reference/lesions-followup.nii.gz"; say "$name: error (no reference)"
        n_err=$((n_err + 1)); continue
    fi

    if ((reuse)); then
        say "$name: rescoring the peer's earlier labels"
    else
        say "$name: peer on baseline/$bs vs followup/$fs"
        tmp_labels=$out/.labels.tmp.nii.gz
        truth_args=()  # only to report the registration error in peer.json
        [[ -f $P/ground_truth.json ]] && truth_args=(--truth "$P/ground_truth.json")
        rc=0
        timeout "$TIMEOUT" "$PY" "$HERE/peer_pipeline.py" "$P/baseline/$bs" "$P/followup/$fs" \
            --out "$tmp_labels" --json "$out/peer.json.tmp" "${truth_args[@]}" 2> "$out/peer.log" || rc=$?
        if ((rc != 0)) || [[ ! -f $tmp_labels || ! -f $out/peer.json.tmp ]]; then
            msg="peer_pipeline.py failed (exit $rc)"
            ((rc == 124)) && msg="peer_pipeline.py timed out after ${TIMEOUT} s"
            write_error "$score" peer "$msg" "$out/peer.log"
            rm -f "$tmp_labels" "$out/peer.json.tmp"
            say "$name: error ($msg; see $out/peer.log)"
            n_err=$((n_err + 1)); continue
        fi
        mv -f "$tmp_labels" "$out/labels.nii.gz"
        mv -f "$out/peer.json.tmp" "$out/peer.json"
    fi

    rc=0
    "$TANDEM_BIN" score --reference "$ref" --marks "$out/labels.nii.gz" --json \
        > "$out/score.raw.json" 2> "$out/score.log" || rc=$?
    if ((rc != 0)); then
        write_error "$score" score "tandem score failed (exit $rc)" "$out/score.log"
        rm -f "$out/score.raw.json"
        say "$name: error (tandem score exit $rc; see $out/score.log)"
        n_err=$((n_err + 1)); continue
    fi
    if line=$(merge_score "$out/score.raw.json" "$out/peer.json" "$score" "$bs" "$fs" 2>> "$out/score.log"); then
        rm -f "$out/score.raw.json"
        [[ -s $out/score.log ]] || rm -f "$out/score.log"
        say "$name: $line"
        n_ok=$((n_ok + 1))
    else
        write_error "$score" score "could not read tandem's score JSON" "$out/score.log"
        say "$name: error (unreadable score JSON; see $out/score.log)"
        n_err=$((n_err + 1))
    fi
done

say "done: $n_ok scored, $n_err failed, $n_skip skipped (already done)"
exit 0
