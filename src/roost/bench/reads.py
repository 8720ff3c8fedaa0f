"""Home-timeline reads over HTTP with wrk, beside the SQL pull baseline and the hello ceiling.

One server process (the bench app under uvicorn, no workers) serves all three routes
in the same run, on the same data; wrk (one thread, ``concurrency`` connections) sends
each request with the token of a random active seeded account:

- ``home``: ``GET /api/v1/timelines/home`` - the production read path;
- ``pull``: ``GET /bench/pull`` - the plain SQL pull query, same stack and rendering;
- ``hello``: ``GET /bench/hello`` - a pre-rendered 20-status page from memory.

Each route gets a short warm-up run (not recorded), then the measured run.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console

from roost.bench.server import bench_server, free_port

ROUTES = {
    "home": "/api/v1/timelines/home",
    "pull": "/bench/pull",
    "hello": "/bench/hello",
}


def wrk_script() -> Path:
    return Path(str(resources.files("roost.bench") / "wrk_tokens.lua"))


def run_wrk(
    url: str, *, tokens_file: Path, duration: int, concurrency: int, threads: int = 1
) -> dict[str, Any]:
    """One wrk run; the numbers its Lua ``done()`` printed, plus req/s and ms figures."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk, or `make bench`)")
    command = [
        "wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(wrk_script()), url, "--", str(tokens_file),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    raw: dict[str, Any] = orjson.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = sum(raw["errors"].values())
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "requests_per_second": round(raw["requests"] / seconds, 1),
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "p999_ms": latency["p999"] / 1000,
        "max_ms": latency["max"] / 1000,
        "mean_ms": round(latency["mean"] / 1000, 3),
        "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
        "errors": raw["errors"],
        "error_count": errors,
        "wrk_command": " ".join(command),
    }


def _check_routes(base: str, tokens_file: Path) -> dict[str, int]:
    """Every route answers 200 with a full page for an active account; their body sizes."""
    token = next(
        line.split("\t")[3]
        for line in tokens_file.read_text().splitlines()
        if line.split("\t")[2] == "1"
    )
    sizes = {}
    for name, path in ROUTES.items():
        response = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
        sizes[name] = len(response.content)
    return sizes


def bench_reads(
    *,
    tokens_file: Path,
    duration: int,
    concurrency: int,
    warmup: int,
    console: Console,
    routes: tuple[str, ...] = ("hello", "pull", "home"),
) -> dict[str, Any]:
    """Measure the routes one after the other against one server process."""
    port = free_port()
    results: dict[str, Any] = {}
    with bench_server(port=port) as base:
        sizes = _check_routes(base, tokens_file)
        for name in routes:
            url = base + ROUTES[name]
            if warmup:
                console.print(f"  warm-up {name} ({warmup} s)")
                run_wrk(url, tokens_file=tokens_file, duration=warmup, concurrency=concurrency)
            console.print(f"  measuring {name}: {duration} s at concurrency {concurrency}")
            results[name] = run_wrk(
                url, tokens_file=tokens_file, duration=duration, concurrency=concurrency
            )
            figures = results[name]
            console.print(
                f"    {figures['requests_per_second']:.0f} req/s, p50 {figures['p50_ms']:.1f} ms,"
                f" p99 {figures['p99_ms']:.1f} ms, {figures['bytes_per_response']} B, "
                f"{figures['error_count']} errors"
            )
    ratios = {}
    if "home" in results and "pull" in results:
        ratios["home_over_pull"] = round(
            results["home"]["requests_per_second"] / results["pull"]["requests_per_second"], 2
        )
    if "home" in results and "hello" in results:
        ratios["home_over_hello"] = round(
            results["home"]["requests_per_second"] / results["hello"]["requests_per_second"], 3
        )
    return {
        "concurrency": concurrency,
        "duration_s": duration,
        "warmup_s": warmup,
        "first_page_bytes": sizes,
        "routes": {name: ROUTES[name] for name in routes},
        "results": results,
        "ratios": ratios,
    }
