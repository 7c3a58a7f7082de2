#!/usr/bin/env python3
"""Prints the accuracy table of bench/accuracy/run.sh: per class of the corpus, Tandem's and the
SimpleITK peer's lesion-wise detection of new and enlarging lesions (MSSEG-2 rules, from
`tandem score --json`), and Tandem's classification, volumes, locations, enhancement, verdict,
registration error and time, from each pair's ground_truth.json and tandem/report.json.

Lesions are matched to the truth by centre (within 5 mm, on the baseline grid). Only lesions of
at least 3 mm diameter (14.1 mm3) count as misses; smaller truth lesions are listed apart.
"Listed, no plaque" counts every lesion of the report, whatever its status (persistent and
unexplained too, which the MSSEG-2 score of new and enlarging lesions does not see), that lies
more than 5 mm from every plaque of the truth. Standard library only.
"""
import json, math, os, sys
from collections import defaultdict

MIN_MM3 = 4.0 / 3.0 * math.pi * 1.5 ** 3
LOCATION = {"periventricular": "periventricular", "juxtacortical": "juxtacortical",
            "deep white matter": "deep_white_matter", "infratentorial": "infratentorial"}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def dist(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def registration_error(truth, report):
    """Mean displacement (mm) between the true and found follow-up-from-baseline transforms over
    points within 60 mm of the head centre."""
    t = truth["followup_from_baseline"]
    r = report["registration"]
    centre = truth["lesions"][0]["centre_baseline_mm"] if truth["lesions"] else [0, 0, 0]
    total, n = 0.0, 0
    for dx in (-60, 0, 60):
        for dy in (-60, 0, 60):
            for dz in (-60, 0, 60):
                p = [centre[0] + dx, centre[1] + dy, centre[2] + dz]
                a = [sum(t["matrix"][i][j] * p[j] for j in range(3)) + t["offset_mm"][i] for i in range(3)]
                b = [sum(r["matrix"][i][j] * p[j] for j in range(3)) + r["offset_mm"][i] for i in range(3)]
                total += dist(a, b)
                n += 1
    return total / n


def main(data):
    rows = defaultdict(lambda: defaultdict(float))
    classes = []
    for name in sorted(os.listdir(data)):
        pair = os.path.join(data, name)
        truth = load(os.path.join(pair, "ground_truth.json"))
        if truth is None or "-" not in name:
            continue
        cls = name.rsplit("-", 1)[0]
        if cls not in classes:
            classes.append(cls)
        row = rows[cls]
        row["pairs"] += 1
        report = load(os.path.join(pair, "tandem", "report.json"))
        score = load(os.path.join(pair, "tandem", "score.json"))
        peer = load(os.path.join(pair, "peer", "score.json"))
        if report is None or score is None or "error" in score:
            row["failed"] += 1
            continue
        for side, s in (("t", score), ("p", peer)):
            if s is None or "error" in s:
                row[side + "_failed"] += 1
                continue
            row[side + "_tp"] += len(s["detected"])
            row[side + "_fn"] += sum(1 for m in s["misses"] if m["volume_mm3"] >= MIN_MM3)
            row[side + "_small_missed"] += sum(1 for m in s["misses"] if m["volume_mm3"] < MIN_MM3)
            row[side + "_fp"] += len(s["false_marks"])
        for d in score["detected"]:
            if d.get("marked_volume_mm3") is not None and d["volume_mm3"] > 0:
                row["vol_n"] += 1
                row["vol_ok"] += abs(d["marked_volume_mm3"] - d["volume_mm3"]) <= 0.25 * d["volume_mm3"]
        found = report["lesions"]
        for lesion in truth["lesions"]:
            match = min(found, key=lambda f: dist(f["centroid_mm"], lesion["centre_baseline_mm"]), default=None)
            if match is not None and dist(match["centroid_mm"], lesion["centre_baseline_mm"]) > 5.0:
                match = None
            status = match["status"] if match else None
            if lesion["status"] == "persistent":
                row["persistent"] += 1
                row["persistent_flagged"] += status in ("new", "enlarging")
            if lesion["status"] == "enlarging":
                row["enlarging"] += 1
                row["enlarging_called"] += status == "enlarging"
            if lesion["status"] == "new":
                row["new"] += 1
                row["new_called_enlarging"] += status == "enlarging"
            if match:
                row["loc_n"] += 1
                row["loc_ok"] += match.get("location") == LOCATION.get(lesion["region"])
                if report["summary"].get("contrast_compared") and lesion["status"] in ("new", "enlarging"):
                    row["enh_n"] += 1
                    row["enh_ok"] += bool(match["enhancing"]) == bool(lesion["enhancing"])
        # Whatever the report lists (any status: persistent, unexplained...) with no plaque of the
        # truth within 5 mm: noise a reader would have to dismiss.
        row["spurious"] += sum(
            1 for f in found
            if all(dist(f["centroid_mm"], t["centre_baseline_mm"]) > 5.0 for t in truth["lesions"]))
        row["verdict_ok"] += report["summary"]["activity"] == truth["summary"]["activity"]
        row["reg_err"] = max(row["reg_err"], registration_error(truth, report))
        status = open(os.path.join(pair, "compare.status")).read().split() if os.path.exists(os.path.join(pair, "compare.status")) else ["?", "0"]
        row["time"] += float(status[1])
        pj = load(os.path.join(pair, "peer", "peer.json")) or {}
        row["peer_time"] += float((pj.get("timings_s") or pj.get("timings") or {}).get("total", 0.0))

    def prf(row, side):
        tp, fn, fp = row[side + "_tp"], row[side + "_fn"], row[side + "_fp"]
        sens = tp / (tp + fn) if tp + fn else float("nan")
        ppv = tp / (tp + fp) if tp + fp else float("nan")
        f1 = 2 * tp / (2 * tp + fn + fp) if tp + fn + fp else float("nan")
        return sens, ppv, f1, int(fp)

    def pct(a, b):
        return f"{100 * a / b:.0f}% ({int(a)}/{int(b)})" if b else "—"

    print("| class | pairs | Tandem sens / PPV / F1 | FP | peer sens / PPV / F1 | peer FP | "
          "persistent flagged | enlarging called enlarging | new called enlarging | "
          "volume within 25% | location right | enhancement right | verdict right | "
          "listed, no plaque | max reg. error mm | Tandem s/pair | peer s/pair |")
    print("|" + "---|" * 17)
    for cls in classes:
        r = rows[cls]
        n = r["pairs"] - r["failed"]
        t, p = prf(r, "t"), prf(r, "p")
        f = lambda x: "—" if x != x else f"{x:.2f}"
        print(f"| {cls} | {int(r['pairs'])}{' (' + str(int(r['failed'])) + ' failed)' if r['failed'] else ''} "
              f"| {f(t[0])} / {f(t[1])} / {f(t[2])} | {t[3]} "
              f"| {f(p[0])} / {f(p[1])} / {f(p[2])} | {p[3]} "
              f"| {int(r['persistent_flagged'])}/{int(r['persistent'])} "
              f"| {pct(r['enlarging_called'], r['enlarging'])} | {int(r['new_called_enlarging'])}/{int(r['new'])} "
              f"| {pct(r['vol_ok'], r['vol_n'])} | {pct(r['loc_ok'], r['loc_n'])} "
              f"| {pct(r['enh_ok'], r['enh_n'])} | {int(r['verdict_ok'])}/{int(n)} "
              f"| {int(r['spurious'])} "
              f"| {r['reg_err']:.2f} | {r['time'] / max(n, 1):.1f} | {r['peer_time'] / max(n, 1):.1f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/accuracy")
