"""Start and stop real server and worker processes for a benchmark (loopback only)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def bench_server(
    *, port: int, workers: bool = False, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """The bench app (production app + baseline routes) under uvicorn, as ``roost serve`` runs.

    ``workers`` False is ``roost serve --no-workers``. Yields the base URL once it answers.
    """
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "roost.bench.app:create_bench_app",
        "--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    full_env = {
        **os.environ,
        # The load generator is one client sending thousands of requests a second.
        "ROOST_RATE_LIMITS_ENABLED": "false",
        **(env or {}),
        "ROOST_BENCH_WORKERS": "1" if workers else "0",
    }
    process = subprocess.Popen(command, env=full_env)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the bench server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/api/v1/instance", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the bench server did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        _stop(process)


@contextmanager
def worker_process(
    *, queues: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """One ``roost worker`` process (settings from the environment), stopped afterwards."""
    command = [sys.executable, "-m", "roost", "worker"]
    if queues:
        command += ["--queues", queues]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    try:
        yield process
    finally:
        _stop(process)
