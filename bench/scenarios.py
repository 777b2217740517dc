"""The benchmark scenarios: what bench/run.py runs, as data.

A scenario is a list of cases; a case is one workload (one table group) run
by several arms, one arm per implementation. Adding a scenario or an
implementation means adding a builder or an Arm here: run.py skips any arm
whose program was not built, so arms for parts still being written (eventide's
bufferevent echo, its thread pool) are listed already and join the run as soon
as their program exists.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass, field

# Column order of every table; labels as printed.
IMPLS = {
    "eventide": "eventide",
    "eventide_pool": "eventide pool",
    "libevent": "libevent",
    "epoll": "raw epoll",
    "libuv": "libuv",
    "asio": "Asio",
}
# The A/A arm: eventide's program run a second time in the same repetition.
AA = "eventide_aa"


@dataclass
class Metric:
    name: str  # the name the program prints
    label: str
    unit: str
    higher_is_better: bool = False
    chart: bool = True  # drawn in chart.png (latencies stay in the table only)


@dataclass
class Arm:
    impl: str  # a key of IMPLS, or AA
    program: str  # executable under <build>/bench
    args: list[str] = field(default_factory=list)


@dataclass
class Case:
    scenario: str
    label: str
    metrics: list[Metric]
    arms: list[Arm]
    # "single": one process. "server": arm programs are servers that print
    # "port N"; the neutral client (echo_client + client_args) is the load.
    kind: str = "single"
    client_args: list[str] = field(default_factory=list)
    server_loops: int = 1
    timeout_s: float = 120.0


@dataclass
class Scale:
    reps: int
    pipes: list[int]
    rounds: int
    timers_n: int
    timers_f: int
    echo_conns: list[int]
    echo_sizes: list[int]
    echo_seconds: float
    echo_warmup: float
    echo_reps: int
    echo_loops: list[int]
    accept_seconds: float
    buffer_reps: int
    memory_reps: int


SCALES = {
    # A smoke test: every program once or twice, small sizes.
    "quick": Scale(reps=2, pipes=[100, 1000], rounds=10, timers_n=200000, timers_f=50000,
                   echo_conns=[1, 100], echo_sizes=[1024, 65536], echo_seconds=0.2,
                   echo_warmup=0.05, echo_reps=1, echo_loops=[1], accept_seconds=0.3,
                   buffer_reps=1, memory_reps=1),
    # The default run: under 5 minutes on 2 cores with the build, echo included.
    "default": Scale(reps=5, pipes=[100, 1000, 10000], rounds=15, timers_n=1000000,
                     timers_f=100000, echo_conns=[1, 10, 100, 1000],
                     echo_sizes=[1024, 16384, 65536], echo_seconds=0.15, echo_warmup=0.05,
                     echo_reps=3, echo_loops=[1], accept_seconds=0.3, buffer_reps=3,
                     memory_reps=3),
    # More repetitions, longer echo windows, and the 2-loop echo.
    "full": Scale(reps=11, pipes=[100, 1000, 10000], rounds=50, timers_n=1000000,
                  timers_f=100000, echo_conns=[1, 10, 100, 1000],
                  echo_sizes=[1024, 16384, 65536], echo_seconds=1.0, echo_warmup=0.2,
                  echo_reps=5, echo_loops=[1, 2], accept_seconds=1.0, buffer_reps=5,
                  memory_reps=3),
}


def max_pipes(wanted: int) -> int:
    """Socketpairs that fit under the hard fd limit (2 fds each, plus slack).

    The programs raise their soft limit themselves; the hard limit here is
    20,000, so 10,000 pairs do not fit and 9,000 are used instead."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or 2 * wanted + 64 <= hard:
        return wanted
    return min(wanted, 9000 if 2 * 9000 + 64 <= hard else (hard - 64) // 2)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def pipe_cases(s: Scale, aa: bool) -> list[Case]:
    progs = [("eventide", "pipe_chain_eventide"), ("libevent", "pipe_chain_libevent"),
             ("epoll", "pipe_chain_epoll"), ("libuv", "pipe_chain_uv"),
             ("asio", "pipe_chain_asio")]
    metric = [Metric("round_us", "time per round", "µs")]
    cases = []
    for timeouts in (False, True):
        for n in s.pipes:
            n = max_pipes(n)
            args = ["-n", str(n), "-a", "100", "-w", "1000", "-r", str(s.rounds)]
            if timeouts:
                args.append("-t")
            arms = [Arm(impl, prog, args) for impl, prog in progs]
            if aa:
                arms.insert(1, Arm(AA, "pipe_chain_eventide", args))
            label = f"pipe chain, {_fmt_int(n)} pipes" + (", timeouts" if timeouts else "")
            cases.append(Case("pipe", label, metric, arms))
    return cases


def timer_cases(s: Scale, aa: bool) -> list[Case]:
    args = ["-n", str(s.timers_n), "-f", str(s.timers_f)]
    n, f = _fmt_int(s.timers_n), _fmt_int(s.timers_f)
    metrics = [
        Metric("add_ns", f"add {n} random", "ns/timer"),
        Metric("del_ns", f"delete {n} (shuffled)", "ns/timer"),
        Metric("fire_ns", f"fire {f}", "ns/timer"),
        Metric("add_common_ns", f"add {n}, common timeout", "ns/timer"),
        Metric("del_common_ns", f"delete {n}, common timeout", "ns/timer"),
        Metric("fire_common_ns", f"fire {f}, common timeout", "ns/timer"),
    ]
    arms = [Arm("eventide", "timers_eventide", args), Arm("libevent", "timers_libevent", args),
            Arm("libuv", "timers_uv", args), Arm("asio", "timers_asio", args)]
    if aa:
        arms.insert(1, Arm(AA, "timers_eventide", args))
    return [Case("timers", "timers", metrics, arms)]


def memory_cases(s: Scale, aa: bool) -> list[Case]:
    pairs = max_pipes(10000)
    args = ["-p", str(pairs), "-t", "1000000"]
    metrics = [
        Metric("sizeof_event", "sizeof(struct event)", "bytes"),
        Metric("rss_io_event_bytes", f"RSS per idle I/O event ({_fmt_int(2 * pairs)})", "bytes"),
        Metric("rss_timer_event_bytes", "RSS per idle timer (1,000,000)", "bytes"),
    ]
    arms = [Arm("eventide", "memory_eventide", args), Arm("libevent", "memory_libevent", args)]
    # Idle connections: socket bufferevents on both ends of the socketpairs.
    bev_pairs = min(pairs, 5000)
    bev_args = ["-b", "-p", str(bev_pairs)]
    bev_metrics = [
        Metric("rss_bev_idle_bytes",
               f"RSS per idle socket bufferevent ({_fmt_int(2 * bev_pairs)})", "bytes"),
        Metric("rss_bev_after_message_bytes", "the same after one 1 KiB message each", "bytes"),
    ]
    bev_arms = [Arm("eventide", "memory_eventide", bev_args),
                Arm("libevent", "memory_libevent", bev_args)]
    return [Case("memory", "memory", metrics, arms),
            Case("memory", "memory, idle connections", bev_metrics, bev_arms)]


BUFFER_METRICS = [
    ("add_drain_64", "add+drain 64 B"), ("add_add_drain_256", "add, add, drain 256 B"),
    ("add_buffer_move_1k", "add_buffer (move) 1 KiB"),
    ("add_then_add_buffer_512", "add then add_buffer 512 B"), ("readln_crlf_1k", "readln CRLF 1 KiB"),
    ("search_1mib", "search 1 MiB"), ("search_step_64_hits", "search, 64 hits"),
    ("socket_stream_per_mib", "socket stream per MiB"),
    ("socket_write_read_512", "socket write+read 512 B"),
]


def buffer_cases(s: Scale, aa: bool) -> list[Case]:
    metrics = [Metric(name, label, "ns/op") for name, label in BUFFER_METRICS]
    arms = [Arm("eventide", "buffer_bench_eventide"), Arm("libevent", "buffer_bench_libevent")]
    return [Case("buffer", "evbuffer (bench/buffer_bench.c)", metrics, arms)]


def _server_arms(loops: int, mode: str) -> list[Arm]:
    args = ["-t", str(loops), "-m", mode]
    arms = [Arm("eventide", "echo_libevent_eventide", args)]
    if loops > 1:
        # eventide's own model: eventide::Server over a LoopThreadPool (C++
        # face), one SO_REUSEPORT listener per loop (bench/echo_pool_eventide.cpp).
        arms.append(Arm("eventide_pool", "echo_pool_eventide", args))
    arms += [Arm("libevent", "echo_libevent_libevent", args), Arm("epoll", "echo_epoll", args),
             Arm("libuv", "echo_uv", args), Arm("asio", "echo_asio", args)]
    return arms


def echo_cases(s: Scale, aa: bool) -> list[Case]:
    metrics = [
        Metric("mib_s", "throughput", "MiB/s", higher_is_better=True),
        Metric("rtt_p50_us", "round trip p50", "µs", chart=False),
        Metric("rtt_p99_us", "round trip p99", "µs", chart=False),
    ]
    cases = []
    for loops in s.echo_loops:
        for size in s.echo_sizes:
            for conns in s.echo_conns:
                client = ["-m", "pingpong", "-c", str(conns), "-s", str(size),
                          "-d", str(s.echo_seconds), "-W", str(s.echo_warmup)]
                label = (f"echo, {_fmt_int(conns)} conn, {size // 1024} KiB, "
                         f"{loops} loop{'s' if loops > 1 else ''}")
                cases.append(Case("echo", label, metrics, _server_arms(loops, "echo"), kind="server",
                                  client_args=client, server_loops=loops))
    return cases


def accept_cases(s: Scale, aa: bool) -> list[Case]:
    metrics = [Metric("conn_per_s", "accepted connections", "conn/s", higher_is_better=True)]
    client = ["-m", "accept", "-k", "32", "-d", str(s.accept_seconds), "-W", str(s.echo_warmup)]
    return [Case("accept", "accept rate, 32 connecting at once", metrics, _server_arms(1, "accept"),
                 kind="server", client_args=client)]


SCENARIO_TITLES = {
    "pipe": "1. pipe chain: 100 active, 1,000 writes per round (time per round)",
    "echo": "2. ping-pong echo (throughput)",
    "timers": "3. timers (time per timer)",
    "accept": "5. accept rate",
    "memory": "6. memory per event",
    "buffer": "evbuffer micro-benchmarks (bench/buffer_bench.c)",
}

# name -> (builder, repetitions attribute of Scale, needs eventide's echo server)
SCENARIOS = {
    "pipe": (pipe_cases, "reps", False),
    "echo": (echo_cases, "echo_reps", True),
    "timers": (timer_cases, "reps", False),
    "accept": (accept_cases, "echo_reps", True),
    "memory": (memory_cases, "memory_reps", False),
    "buffer": (buffer_cases, "buffer_reps", False),
}

# The targets the project set, checked in every report. A case matches when
# its label contains `match` and not `exclude`; `minimum` is the least speed
# ratio eventide/`against` (None: "within noise", judged against the A/A
# spread of the same case).
@dataclass
class Target:
    scenario: str
    match: str
    exclude: str | None
    metric: str
    against: str
    minimum: float | None


TARGETS = [
    Target("pipe", "timeouts", None, "round_us", "epoll", 0.95),
    Target("pipe", "pipe chain", "timeouts", "round_us", "epoll", None),
    Target("timers", "timers", None, "add_ns", "libevent", 3.5),
    Target("timers", "timers", None, "del_ns", "libevent", 3.5),
    Target("timers", "timers", None, "fire_ns", "libevent", 3.5),
    # Every single-loop ping-pong row.
    Target("echo", "1 loop", None, "mib_s", "epoll", 0.95),
    # "Memory per idle connection <= 0.6x libevent's": a speed ratio of 1/0.6.
    Target("memory", "idle connections", None, "rss_bev_idle_bytes", "libevent", 1.667),
]
