#!/usr/bin/env python3
"""Runs eventide's benchmarks against libevent, raw epoll, libuv and Asio.

Every case's arms run interleaved (A B C, A B C, ...: the start rotates each
repetition), each in its own process, pinned with taskset: single-process
benchmarks on one core, echo servers on core 0 and the neutral client on
core 1. Writes bench/results/<time>/ (and bench/results/latest): samples.csv
(every number), summary.json, table.md, chart.png. Prints the table.

Usage: bench/run.py --build-dir DIR [--scale quick|default|full]
                    [--only pipe,timers,...] [--reps N] [--echo] [--no-aa] [--no-pin]
Normally started by scripts/bench.sh, which builds first.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
from scenarios import AA, IMPLS, SCALES, SCENARIOS, Arm, Case, max_pipes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load1() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def machine() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(),
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def parse(text: str) -> dict[str, float]:
    """The programs' protocol: "metric value" lines; '#' lines are comments."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def clean_env() -> dict:
    # EVENT_NOEPOLL and friends would change libevent's backend under us.
    return {k: v for k, v in os.environ.items() if not k.startswith("EVENT_")}


class Runner:
    def __init__(self, bench_dir: str, pin: bool, log):
        self.bench_dir = bench_dir
        self.pin = pin and subprocess.run(["sh", "-c", "command -v taskset"],
                                          capture_output=True).returncode == 0
        self.ncpu = os.cpu_count() or 1
        self.log = log

    def path(self, program: str) -> str:
        return os.path.join(self.bench_dir, program)

    def exists(self, arm: Arm) -> bool:
        return os.access(self.path(arm.program), os.X_OK)

    def pinned(self, cpus: str | None, cmd: list[str]) -> list[str]:
        if not self.pin or cpus is None or self.ncpu < 2:
            return cmd
        return ["taskset", "-c", cpus] + cmd

    def run(self, case: Case, arm: Arm) -> tuple[dict[str, float], str | None]:
        if case.kind == "server":
            return self.run_server(case, arm)
        cmd = self.pinned(str(self.ncpu - 1), [self.path(arm.program)] + arm.args)
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=case.timeout_s,
                                 env=clean_env())
        except subprocess.TimeoutExpired:
            return {}, f"timed out after {case.timeout_s:.0f} s"
        if res.returncode != 0:
            return {}, f"exit {res.returncode}: {res.stderr.strip()[-300:]}"
        return parse(res.stdout), None

    def run_server(self, case: Case, arm: Arm) -> tuple[dict[str, float], str | None]:
        # One loop: server on core 0, client on the last core. More loops: the
        # server needs every core, so nothing is pinned.
        one = case.server_loops == 1
        server_cpus = "0" if one else None
        client_cpus = str(self.ncpu - 1) if one else None
        err = tempfile.TemporaryFile(mode="w+")
        srv = subprocess.Popen(self.pinned(server_cpus, [self.path(arm.program)] + arm.args),
                               stdout=subprocess.PIPE, stderr=err, text=True, env=clean_env())
        try:
            ready, _, _ = select.select([srv.stdout], [], [], 10)
            line = srv.stdout.readline() if ready else ""
            if not line.startswith("port "):
                return {}, f"server did not announce a port ({line.strip()!r})"
            port = line.split()[1]
            client = [self.path("echo_client"), "-p", port] + case.client_args
            try:
                res = subprocess.run(self.pinned(client_cpus, client), capture_output=True,
                                     text=True, timeout=case.timeout_s, env=clean_env())
            except subprocess.TimeoutExpired:
                return {}, f"client timed out after {case.timeout_s:.0f} s"
            if srv.poll() is not None:
                err.seek(0)
                return {}, f"server exited ({srv.returncode}) during the run: {err.read()[-300:]}"
            if res.returncode != 0:
                return {}, f"client exit {res.returncode}: {res.stderr.strip()[-300:]}"
            return parse(res.stdout), None
        finally:
            if srv.poll() is None:
                srv.send_signal(signal.SIGTERM)
                try:
                    srv.wait(5)
                except subprocess.TimeoutExpired:
                    srv.kill()
                    srv.wait()
            srv.stdout.close()
            err.close()


def write_report(out_dir, meta, cases, samples, notes, errors):
    rows = report.summarize(cases, samples)
    if errors:
        notes.append(f"{len(errors)} run(s) failed; see run.log.")
    header = (f"Machine: {meta['nproc']} cores, {meta['cpu']}, Linux {meta['kernel']}. "
              f"Scale {meta['scale']}, {meta['seconds']:.0f} s, load average (1 min) during the "
              f"run {meta.get('load_min', 0):.2f}–{meta.get('load_max', 0):.2f} "
              f"(mean {meta.get('load_mean', 0):.2f}), "
              f"{'pinned with taskset' if meta['pinned'] else 'not pinned'}.\n\n")
    table = header + report.markdown(rows, notes)
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(table)
    report.write_csv(os.path.join(out_dir, "samples.csv"), samples)
    report.write_json(os.path.join(out_dir, "summary.json"), dict(meta, notes=notes), rows)
    return table, report.chart(out_dir, rows)


def rereport(out_dir: str) -> int:
    """Rebuilds the report of an earlier run (after a change to report.py)."""
    import csv
    import json
    with open(os.path.join(out_dir, "summary.json")) as f:
        summary = json.load(f)
    meta = summary["machine"]
    notes = meta.pop("notes", [])
    with open(os.path.join(out_dir, "samples.csv")) as f:
        samples = [dict(r, rep=int(r["rep"]), value=float(r["value"]), load1=float(r["load1"]))
                   for r in csv.DictReader(f)]
    scale = SCALES[meta["scale"]]
    if meta.get("echo_loops"):
        scale = dataclasses.replace(scale, echo_loops=meta["echo_loops"])
    present = list(dict.fromkeys(s["scenario"] for s in samples))
    cases = [c for name in present for c in SCENARIOS[name][0](scale, True)]
    table, png = write_report(out_dir, meta, cases, samples, notes, [])
    print(table)
    print(f"Results: {out_dir}" + (f" (chart: {png})" if png else ""))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", help="the CMake build directory")
    ap.add_argument("--rereport", metavar="DIR",
                    help="rewrite table.md and chart.png of an earlier run from its samples.csv")
    ap.add_argument("--scale", choices=sorted(SCALES), default="default")
    ap.add_argument("--only", help="comma-separated scenarios: " + ",".join(SCENARIOS))
    ap.add_argument("--reps", type=int, help="repetitions for every scenario")
    ap.add_argument("--echo", action="store_true",
                    help="run echo and accept even before eventide's echo server exists")
    ap.add_argument("--loops", help="echo loop counts, comma-separated (e.g. 2: only the 2-loop rows)")
    ap.add_argument("--no-aa", action="store_true", help="skip the A/A (eventide twice) arms")
    ap.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    ap.add_argument("--out", help="results directory (default bench/results/<time>)")
    opts = ap.parse_args()
    if opts.rereport:
        return rereport(opts.rereport)
    if not opts.build_dir:
        ap.error("--build-dir is required")

    scale = SCALES[opts.scale]
    if opts.loops:
        scale = dataclasses.replace(scale, echo_loops=[int(n) for n in opts.loops.split(",")])
    bench_dir = os.path.join(os.path.abspath(opts.build_dir), "bench")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = opts.out or os.path.join(HERE, "results", stamp)
    os.makedirs(out_dir, exist_ok=True)
    log_file = open(os.path.join(out_dir, "run.log"), "w")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)
        log_file.write(msg + "\n")

    runner = Runner(bench_dir, not opts.no_pin, log)
    wanted = opts.only.split(",") if opts.only else list(SCENARIOS)
    unknown = [w for w in wanted if w not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(unknown)}")
    notes = []
    if max_pipes(10000) < 10000 and ("pipe" in wanted and max(scale.pipes) >= 10000
                                     or "memory" in wanted):
        notes.append(f"RLIMIT_NOFILE's hard limit here is too low for 10,000 socketpairs "
                     f"(20,000 fds plus a few); the large pipe chain uses {max_pipes(10000):,}.")
    has_eventide_echo = runner.exists(Arm("eventide", "echo_libevent_eventide"))
    meta = machine()
    meta.update(scale=opts.scale, echo_loops=scale.echo_loops, pinned=runner.pin,
                load_start=load1())
    all_cases: list[Case] = []
    samples: list[dict] = []
    errors: list[str] = []
    t_start = time.monotonic()
    for name in wanted:
        build, reps_attr, needs_echo = SCENARIOS[name]
        if needs_echo and not has_eventide_echo and not opts.echo and not opts.only:
            notes.append(f"{name}: skipped; eventide's echo server (echo_libevent_eventide) needs "
                         "event2/bufferevent.h and event2/listener.h (run with --echo to measure "
                         "the peers alone).")
            continue
        cases = build(scale, not opts.no_aa)
        for case in cases:
            missing = [a for a in case.arms if not runner.exists(a)]
            for a in missing:
                note = f"{case.scenario}: {IMPLS.get(a.impl, a.impl)} skipped ({a.program} not built)"
                if note not in notes:
                    notes.append(note)
            case.arms = [a for a in case.arms if a not in missing]
        cases = [c for c in cases if c.arms]
        all_cases += cases
        reps = opts.reps or getattr(scale, reps_attr)
        t_scenario = time.monotonic()
        for rep in range(reps):
            for case in cases:
                k = rep % len(case.arms)
                line = []
                for arm in case.arms[k:] + case.arms[:k]:
                    l1 = load1()
                    values, err = runner.run(case, arm)
                    if err:
                        msg = f"{case.label} / {arm.impl} (rep {rep + 1}): {err}"
                        errors.append(msg)
                        log("ERROR " + msg)
                        continue
                    # Every number the program printed goes to samples.csv; the
                    # table shows the case's metrics.
                    units = {m.name: m.unit for m in case.metrics}
                    for metric, value in values.items():
                        samples.append({"scenario": case.scenario, "case": case.label,
                                        "impl": arm.impl, "rep": rep, "metric": metric,
                                        "value": value, "unit": units.get(metric, ""), "load1": l1})
                    first = case.metrics[0].name
                    line.append(f"{arm.impl} {report.fmt(values.get(first))}")
                log(f"[{name} {rep + 1}/{reps}] {case.label}: " + ", ".join(line))
        meta.setdefault("scenario_seconds", {})[name] = round(time.monotonic() - t_scenario, 1)
        log(f"[{name}] {meta['scenario_seconds'][name]:.0f} s")
    meta.update(load_end=load1(), seconds=round(time.monotonic() - t_start, 1))
    loads = [s["load1"] for s in samples]
    if loads:
        meta.update(load_min=min(loads), load_max=max(loads),
                    load_mean=round(sum(loads) / len(loads), 2))
    table, png = write_report(out_dir, meta, all_cases, samples, notes, errors)
    latest = os.path.join(HERE, "results", "latest")
    if not opts.out:
        if os.path.islink(latest):
            os.unlink(latest)
        if not os.path.exists(latest):
            os.symlink(stamp, latest)
    print(table)
    print(f"Results: {out_dir}" + (f" (chart: {png})" if png else " (no chart: gnuplot missing)"))
    log_file.close()
    return 1 if errors and not samples else 0


if __name__ == "__main__":
    sys.exit(main())
