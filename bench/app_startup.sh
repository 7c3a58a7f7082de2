#!/usr/bin/env bash
# Opening the sample pair in the app (issue #14): the first exam image on screen and the
# comparison's table, seconds after launch, beside their targets (≤ 1 s and ≤ 2 s). Runs the
# release build under a virtual display (Xvfb, from Debian's xvfb), SPEED_RUNS times (default 3),
# with TANDEM_STARTUP_TIMES=exit: the app prints both times and closes.
#
#   cargo build --release && bash bench/app_startup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TANDEM_BIN=${TANDEM_BIN:-$ROOT/target/release/tandem}
RUNS=${SPEED_RUNS:-3}
command -v Xvfb >/dev/null || { echo "app_startup: needs Xvfb (apt-get install xvfb)" >&2; exit 1; }
[[ -x $TANDEM_BIN ]] || { echo "app_startup: cargo build --release first" >&2; exit 1; }
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
sleep 1
data=$(mktemp -d)
for ((n = 1; n <= RUNS; n++)); do
    # Its own data folder each time: no recovery offered, no preferences carried over.
    DISPLAY=$display XDG_RUNTIME_DIR=$data TANDEM_DATA_DIR=$data/run$n TANDEM_STARTUP_TIMES=exit \
        timeout 120 "$TANDEM_BIN" 2>&1 | grep '^tandem startup:' || echo "tandem startup: run $n gave no times"
done | python3 -c '
import re, statistics, sys
lines = sys.stdin.read().splitlines()
times = [tuple(map(float, re.findall(r"([0-9.]+) s", l))) for l in lines if " s," in l]
if not times:
    sys.exit("app_startup: no run printed its times:\n" + "\n".join(lines))
image = statistics.median(t[0] for t in times)
table = statistics.median(t[1] for t in times)
print(f"| figure | measured (median of {len(times)}) | target | |")
print("|---|---|---|---|")
for name, value, target in (("first image on screen", image, 1.0), ("comparison table", table, 2.0)):
    word = "met" if value <= target else "not met"
    print(f"| {name} | {value:.2f} s | ≤ {target:.0f} s | {word} |")
'
