#!/usr/bin/env python3
"""Turn the benchmark's JSON lines into a comparison table.

Reads JSON lines from the given files (or stdin): tandem's own lines from
`tandem bench-load` (no "tool" key, or "tool": "tandem") and the peers' lines
from bench/peers.py ("tool": "pydicom" | "simpleitk").  Lines that are not
JSON objects with "path" and "median_s" are ignored, so raw logs can be fed in.
The syntax of a line is the base name of its series folder (uncompressed,
rle, jpegls, j2k, jpeg_lossless), as laid out by bench/make_data.py.

Prints, per syntax, the median load time of each tool, the speed-up of
tandem over each peer (peer time / tandem time; > 1 means tandem is faster)
and whether the project's targets are met:

  uncompressed   >= 3x faster than pydicom and than SimpleITK
  rle            >= 5x faster than SimpleITK
  jpegls, j2k    >= 1.5x faster than SimpleITK

Usage: python3 bench/compare.py [--strict] [--markdown] FILE.jsonl...
  --strict  exit 1 if a target is missed or cannot be judged (no tandem line)
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ORDER = ["uncompressed", "rle", "jpegls", "j2k", "jpeg_lossless"]
LABELS = {
    "uncompressed": "uncompressed (Explicit VR LE)",
    "rle": "RLE Lossless",
    "jpegls": "JPEG-LS lossless",
    "j2k": "JPEG 2000 lossless",
    "jpeg_lossless": "JPEG lossless SV1",
}
TOOLS = ["tandem", "pydicom", "simpleitk"]
# syntax -> {peer: minimum speed-up of tandem over that peer}
TARGETS = {
    "uncompressed": {"pydicom": 3.0, "simpleitk": 3.0},
    "rle": {"simpleitk": 5.0},
    "jpegls": {"simpleitk": 1.5},
    "j2k": {"simpleitk": 1.5},
}
PEER_NAMES = {"pydicom": "pydicom", "simpleitk": "SimpleITK"}


def read_records(paths: list[str]) -> list[dict]:
    streams = [open(p, encoding="utf-8") for p in paths] if paths else [sys.stdin]
    out = []
    for f in streams:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "path" in rec and isinstance(rec.get("median_s"), (int, float)):
                out.append(rec)
        if f is not sys.stdin:
            f.close()
    return out


def syntax_of(path: str) -> str:
    return os.path.basename(os.path.normpath(str(path)))


def fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.3f} s"


def fmt_x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="JSON-lines files (default: stdin)")
    ap.add_argument("--strict", action="store_true", help="exit 1 unless every target is met")
    args = ap.parse_args()

    # table[syntax][tool] = record (the last one wins if a tool appears twice)
    table: dict[str, dict[str, dict]] = {}
    for rec in read_records(args.files):
        tool = str(rec.get("tool", "tandem")).lower()
        table.setdefault(syntax_of(rec["path"]), {})[tool] = rec
    if not table:
        print("compare: no benchmark records found", file=sys.stderr)
        return 1

    syntaxes = [s for s in ORDER if s in table] + sorted(s for s in table if s not in ORDER)
    header = ["syntax", "tandem", "pydicom", "SimpleITK", "pydicom/tandem", "SimpleITK/tandem",
              "target", "verdict", "peak RSS MB t/p/s"]
    rows = []
    all_met = True
    for syn in syntaxes:
        recs = table[syn]
        t = {tool: recs[tool]["median_s"] if tool in recs else None for tool in TOOLS}
        ratio = {}
        for peer in ("pydicom", "simpleitk"):
            ok = t["tandem"] and t[peer] is not None and t["tandem"] > 0
            ratio[peer] = t[peer] / t["tandem"] if ok else None
        goals = TARGETS.get(syn, {})
        target_txt = ", ".join(f">= {v:g}x {PEER_NAMES[p]}" for p, v in goals.items()) or "(none)"
        if not goals:
            verdict = "-"
        elif any(ratio[p] is None for p in goals):
            verdict = "n/a (no tandem)" if t["tandem"] is None else "n/a (no peer)"
            all_met = False
        else:
            missed = [PEER_NAMES[p] for p, v in goals.items() if ratio[p] < v]
            verdict = "MISSED (" + ", ".join(missed) + ")" if missed else "met"
            all_met = all_met and not missed
        rss = "/".join(
            f"{recs[tool]['peak_rss_mb']:.0f}" if isinstance(recs.get(tool, {}).get("peak_rss_mb"), (int, float))
            else "-" for tool in TOOLS
        )
        rows.append([LABELS.get(syn, syn), fmt_s(t["tandem"]), fmt_s(t["pydicom"]), fmt_s(t["simpleitk"]),
                     fmt_x(ratio["pydicom"]), fmt_x(ratio["simpleitk"]), target_txt, verdict, rss])

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))

    runs = sorted({str(rec.get("runs")) for recs in table.values() for rec in recs.values()})
    decoders = {syn: table[syn]["pydicom"].get("decoder") for syn in syntaxes if "pydicom" in table[syn]}
    print()
    print(f"Times are medians over runs={'/'.join(runs)} (after warm-up, page cache warm); "
          "ratios are peer time / tandem time, so > 1 means tandem is faster.")
    if decoders:
        print("pydicom decoder per syntax: " + ", ".join(f"{s}={d}" for s, d in decoders.items()))
    if args.strict and not all_met:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
