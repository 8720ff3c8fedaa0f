"""Home-timeline reads over HTTP with wrk, beside the SQL pull baseline and the hello ceiling.

One server process (the bench app under uvicorn, no workers) serves all three routes
in the same run, on the same data; wrk (one thread, ``concurrency`` connections) sends
each request with the token of a random active seeded account:

- ``home``: ``GET /api/v1/timelines/home`` - the production read path;
- ``pull``: ``GET /bench/pull`` - the plain SQL pull query, same stack and rendering;
- ``hello``: ``GET /bench/hello`` - a pre-rendered 20-status page from memory.

Before anything is measured the server is warmed with one pass over every active
token (``GET /api/v1/accounts/verify_credentials``, 32 at a time), as a server that
has been running for a while has seen its active users: the tokens are in its cache
and no measured request pays a token query. Each route then gets a short warm-up run
(not recorded), then the measured run.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
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


WARM_ROUTE = "/api/v1/accounts/verify_credentials"


def active_tokens(tokens_file: Path) -> list[str]:
    rows = (line.split("\t") for line in tokens_file.read_text().splitlines() if line)
    return [row[3] for row in rows if len(row) == 4 and row[2] == "1"]


async def _warm(base: str, tokens: list[str], concurrency: int) -> dict[str, Any]:
    """One authenticated request per token, ``concurrency`` at a time; status counts."""
    statuses: dict[str, int] = {}
    queue = iter(tokens)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def get(token: str) -> httpx.Response:
            # A keep-alive connection the server closed at the same moment fails the
            # request before it was sent; sending it again on a fresh one is safe (a GET).
            for attempt in range(3):
                try:
                    return await http.get(WARM_ROUTE, headers={"Authorization": f"Bearer {token}"})
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        async def walk() -> None:
            for token in queue:
                key = str((await get(token)).status_code)
                statuses[key] = statuses.get(key, 0) + 1

        await asyncio.gather(*(walk() for _ in range(concurrency)))
    return statuses


def warm_tokens(base: str, tokens_file: Path, *, concurrency: int) -> dict[str, Any]:
    """Warm the server's token cache with every active token (not measured)."""
    tokens = active_tokens(tokens_file)
    started = time.monotonic()
    statuses = asyncio.run(_warm(base, tokens, concurrency))
    if statuses.get("200", 0) != len(tokens):
        raise RuntimeError(f"warming the tokens answered {statuses}")
    return {
        "route": WARM_ROUTE,
        "tokens": len(tokens),
        "concurrency": concurrency,
        "seconds": round(time.monotonic() - started, 2),
        "statuses": statuses,
    }


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
        console.print("  warming the token cache: one request per active token")
        warm = warm_tokens(base, tokens_file, concurrency=concurrency)
        console.print(f"    {warm['tokens']} tokens in {warm['seconds']} s")
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
        "token_warmup": {
            **warm,
            "note": "one pass over every active token before any measurement, as a "
            "long-running server has seen its active users; tokens then stay cached "
            "(token_cache_seconds) and revocations are broadcast",
        },
        "first_page_bytes": sizes,
        "routes": {name: ROUTES[name] for name in routes},
        "results": results,
        "ratios": ratios,
    }
