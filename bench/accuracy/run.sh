#!/usr/bin/env bash
# The accuracy benchmark: makes the validation corpus (`tandem synth --list-cases`: 42 pairs
# of real anatomy in 7 classes), runs `tandem compare` on every pair, scores its new and
# enlarging lesions against the ground truth with `tandem score` (MSSEG-2 rules), runs the
# SimpleITK peer on the same pairs (peer_all.sh), and prints the table per class (table.py).
#
#   cargo build --release && bash bench/accuracy/run.sh
#
# Environment (all optional):
#   TANDEM_BIN        binary under test (default target/release/tandem)
#   ACCURACY_DATA     where pairs and results go (default target/accuracy); pairs are reused
#   ACCURACY_CASES    an extended regex of case names to run (default: all)
#   ACCURACY_PEER     0 skips the SimpleITK peer
#   ACCURACY_FORCE    1 reruns tandem compare on pairs that already have a report
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${TANDEM_BIN:-target/release/tandem}
data=${ACCURACY_DATA:-target/accuracy}
filter=${ACCURACY_CASES:-.}
[[ -x $bin ]] || { echo "accuracy: no $bin (cargo build --release)" >&2; exit 1; }
mkdir -p "$data"

"$bin" synth --list-cases | while IFS=$'\t' read -r name class; do
    [[ $name =~ $filter ]] || continue
    pair="$data/$name"
    if [[ ! -f $pair/ground_truth.json ]]; then
        rm -rf "$pair.tmp"
        "$bin" synth --case "$name" --out "$pair.tmp" 2>>"$data/synth.log" && mv "$pair.tmp" "$pair" \
            || { echo "accuracy: $name: synth failed (see $data/synth.log)" >&2; continue; }
    fi
    if [[ ! -f $pair/tandem/score.json || ${ACCURACY_FORCE:-0} == 1 ]]; then
        rm -rf "$pair/tandem"
        start=$(date +%s.%N)
        "$bin" compare "$pair/baseline" "$pair/followup" --out "$pair/tandem" \
            >"$pair/compare.txt" 2>"$pair/compare.log"
        echo "$? $(awk "BEGIN { print $(date +%s.%N) - $start }")" >"$pair/compare.status"
        if [[ -f $pair/tandem/report.json ]]; then
            "$bin" score --reference "$pair/reference/lesions-followup.nii.gz" \
                --marks "$pair/tandem" --json >"$pair/tandem/score.json" 2>"$pair/score.log" \
                || echo '{"error": "scoring failed"}' >"$pair/tandem/score.json"
        fi
    fi
    echo "accuracy: $name ($class) done" >&2
done

if [[ ${ACCURACY_PEER:-1} != 0 ]]; then
    TANDEM_BIN=$bin bash bench/accuracy/peer_all.sh "$data" >&2
fi
python3 bench/accuracy/table.py "$data" | tee "$data/table.md"
