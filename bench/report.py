"""Turns the samples of one run into the report: medians and spreads, speed
ratios, the markdown table, raw CSV and JSON, and the PNG chart.

Ratios are speed ratios, "how many times as fast (or as small) eventide is":
other/eventide for lower-is-better metrics, eventide/other for throughput.
Each ratio is the median of per-repetition ratios: the arms of one repetition
ran next to each other, so pairing them cancels most of the machine's drift.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import statistics
import subprocess

from scenarios import AA, IMPLS, SCENARIO_TITLES, TARGETS, Case

RATIO_AGAINST = [("libevent", "eventide/libevent"), ("epoll", "eventide/raw epoll")]


def fmt(v: float | None) -> str:
    if v is None:
        return "—"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def quantile(sorted_values: list[float], q: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def spread(values: list[float]) -> dict:
    v = sorted(values)
    return {"n": len(v), "median": statistics.median(v), "min": v[0], "max": v[-1],
            "p25": quantile(v, 0.25), "p75": quantile(v, 0.75)}


def speed_ratio(eventide: float, other: float, higher_is_better: bool) -> float | None:
    if eventide <= 0 or other <= 0:
        return None
    return eventide / other if higher_is_better else other / eventide


def _paired(a: dict[int, float], b: dict[int, float], higher_is_better: bool) -> dict | None:
    """Spread of a's speed over b's, repetition by repetition."""
    ratios = [r for rep in sorted(set(a) & set(b))
              if (r := speed_ratio(a[rep], b[rep], higher_is_better)) is not None]
    return spread(ratios) if ratios else None


def summarize(cases: list[Case], samples: list[dict]) -> list[dict]:
    """One row per (case, metric), in the order the cases were defined."""
    index: dict[tuple, dict[int, float]] = {}
    for s in samples:
        index.setdefault((s["case"], s["impl"], s["metric"]), {})[s["rep"]] = s["value"]
    rows = []
    for case in cases:
        for m in case.metrics:
            row = {"scenario": case.scenario, "case": case.label, "metric": m.name,
                   "label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better,
                   "chart": m.chart, "impls": {}, "ratios": {}}
            for impl in list(IMPLS) + [AA]:
                vals = index.get((case.label, impl, m.name))
                if vals:
                    row["impls"][impl] = spread(list(vals.values()))
            ev = index.get((case.label, "eventide", m.name), {})
            for other in [o for o, _ in RATIO_AGAINST] + [AA]:
                ov = index.get((case.label, other, m.name), {})
                # The A/A ratio is the second eventide run over the first.
                a, b = (ov, ev) if other == AA else (ev, ov)
                st = _paired(a, b, m.higher_is_better)
                if st:
                    row["ratios"][other] = st
            # Every implementation against libevent, for the chart.
            le = index.get((case.label, "libevent", m.name), {})
            row["vs_libevent"] = {}
            for impl in IMPLS:
                st = _paired(index.get((case.label, impl, m.name), {}), le, m.higher_is_better)
                if st:
                    row["vs_libevent"][impl] = st["median"]
            if row["impls"]:
                rows.append(row)
    return rows


def _cell(st: dict | None) -> str:
    if not st:
        return "—"
    if st["n"] == 1:
        return fmt(st["median"])
    return f"{fmt(st['median'])} [{fmt(st['min'])}–{fmt(st['max'])}]"


def _ratio(st: dict | None) -> str:
    return "—" if not st else f"{st['median']:.2f}×"


def present_impls(rows: list[dict]) -> list[str]:
    return [i for i in IMPLS if any(i in r["impls"] for r in rows)]


def markdown(rows: list[dict], notes: list[str]) -> str:
    impls = present_impls(rows)
    has_aa = any(AA in r["ratios"] for r in rows)
    head = ["case", "metric"] + [IMPLS[i] for i in impls] + [lbl for _, lbl in RATIO_AGAINST]
    if has_aa:
        head.append("A/A")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        arrow = "↑" if r["higher_is_better"] else "↓"
        cells = [r["case"], f"{r['label']} ({r['unit']} {arrow})"]
        cells += [_cell(r["impls"].get(i)) for i in impls]
        cells += [_ratio(r["ratios"].get(o)) for o, _ in RATIO_AGAINST]
        if has_aa:
            cells.append(_ratio(r["ratios"].get(AA)))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Cells: median [min–max] over the repetitions. Ratios: median of the per-repetition "
               "speed ratios (>1: eventide faster or smaller). A/A: eventide's program run twice in "
               "each repetition, second over first (the noise floor).")
    target_lines = targets(rows)
    if target_lines:
        out += ["", "Targets:", ""] + target_lines
    if notes:
        out += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def targets(rows: list[dict]) -> list[str]:
    lines = []
    for t in TARGETS:
        for r in rows:
            if (r["scenario"] != t.scenario or r["metric"] != t.metric or t.match not in r["case"]
                    or (t.exclude and t.exclude in r["case"])):
                continue
            got = r["ratios"].get(t.against)
            if not got:
                continue
            who = IMPLS[t.against]
            if t.minimum is not None:
                ok = got["median"] >= t.minimum
                goal = f"≥ {t.minimum}× {who}"
            else:
                aa = r["ratios"].get(AA)
                # Noise: how far the middle half of the A/A ratios (eventide
                # against itself, repetition by repetition) strays from 1.
                noise = max(1 - aa["p25"], aa["p75"] - 1, 0.01) if aa else 0.01
                ok = got["median"] >= 1 - noise
                goal = f"within noise of {who} (±{noise:.2f})"
            shown = math.floor(got["median"] * 1000) / 1000  # never round up to a pass
            lines.append(f"- {r['case']}, {r['label']}: {shown:.3f}× vs {goal}: "
                         f"{'met' if ok else 'MISSED'}")
    return lines


def write_csv(path: str, samples: list[dict]) -> None:
    cols = ["scenario", "case", "impl", "rep", "metric", "value", "unit", "load1"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for s in samples:
            w.writerow(s)


def write_json(path: str, meta: dict, rows: list[dict]) -> None:
    with open(path, "w") as f:
        json.dump({"machine": meta, "rows": rows}, f, indent=1, ensure_ascii=False)


def chart_label(row: dict, rows: list[dict]) -> str:
    """A short x label: what differs between the rows of one scenario."""
    same = [r for r in rows if r["scenario"] == row["scenario"]]
    cases = list(dict.fromkeys(r["case"] for r in same))
    metrics = list(dict.fromkeys(r["metric"] for r in same))
    if len(cases) == 1:
        return row["label"]
    prefix = os.path.commonprefix(cases)
    prefix = prefix[: prefix.rfind(",") + 1] if "," in prefix else ""
    case = row["case"][len(prefix):].strip()
    return case if len(metrics) == 1 else f"{case}: {row['label']}"


def chart(out_dir: str, rows: list[dict]) -> str | None:
    """One PNG, a panel per scenario: each implementation's speed relative to
    libevent (1.0) for every charted metric. Returns the path, or None."""
    rows = [r for r in rows if r["chart"] and "libevent" in r["impls"]]
    if not rows:
        return None
    impls = [i for i in present_impls(rows)]
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    panels = []
    for sc in scenarios:
        data_path = os.path.join(out_dir, f"chart_{sc}.dat")
        with open(data_path, "w") as f:
            f.write("label " + " ".join(f'"{IMPLS[i]}"' for i in impls) + "\n")
            for r in rows:
                if r["scenario"] != sc:
                    continue
                vals = [r["vs_libevent"].get(i) for i in impls]
                vals = ["-" if v is None else f"{v:.4f}" for v in vals]
                label = chart_label(r, rows).replace('"', "'")
                f.write(f'"{label}" ' + " ".join(vals) + "\n")
        panels.append((sc, data_path, sum(1 for r in rows if r["scenario"] == sc)))
    titles = {sc: SCENARIO_TITLES.get(sc, sc) for sc in scenarios}
    png = os.path.join(out_dir, "chart.png")
    height = 460 * len(panels)
    gp = [f'set terminal pngcairo size 1600,{height} font "sans,9"', f'set output "{png}"',
          "set style data histograms", "set style histogram clustered gap 1",
          "set style fill solid 0.85 border -1", "set datafile missing '-'",
          "set key outside right top", "set grid ytics", "set yrange [0:*]",
          "set termoption noenhanced", "set xtics rotate by -25 left",
          "set ylabel 'relative to libevent = 1 (higher is better)'",
          f"set multiplot layout {len(panels)},1"]
    for sc, data_path, _ in panels:
        gp.append(f"set title '{titles[sc]}'")
        plots = [f"'{data_path}' using 2:xtic(1) title columnheader(2)"]
        plots += [f"'' using {k + 2} title columnheader({k + 2})" for k in range(1, len(impls))]
        gp.append("plot " + ", ".join(plots) + ", 1 with lines lc 'black' dt 2 notitle")
    gp.append("unset multiplot")
    gp_path = os.path.join(out_dir, "chart.gp")
    with open(gp_path, "w") as f:
        f.write("\n".join(gp) + "\n")
    if not shutil.which("gnuplot"):
        return None
    res = subprocess.run(["gnuplot", gp_path], capture_output=True, text=True)
    if res.returncode != 0:
        print(f"gnuplot failed: {res.stderr.strip()[:500]}")
        return None
    return png
