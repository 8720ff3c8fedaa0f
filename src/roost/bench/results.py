"""Benchmark results: JSON files with the machine and the exact command, and REPORT.md."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from roost.settings import Settings

RESULTS_DIR = Path("bench/results")
ENV_SHOWN = (
    "ROOST_DATABASE_URL",
    "ROOST_REDIS_URL",
    "ROOST_REDIS_PREFIX",
    "ROOST_DATA_DIR",
    "ROOST_FANOUT_THRESHOLD",
    "ROOST_TIMELINE_CAP",
    "ROOST_ACTIVE_DAYS",
)


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def machine_info() -> dict[str, Any]:
    """CPU, memory, OS and tool versions: enough to know what a figure was measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "wrk": _run(["wrk", "-v"]).splitlines()[0] if _run(["wrk", "-v"]) else "",
        "redis_server": _run(["redis-server", "--version"]),
        "postgres": _run(["psql", "--version"]),
        "git_commit": _run(["git", "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(_run(["git", "status", "--porcelain", "--untracked-files=no"])),
    }


def command_line() -> str:
    """The command as typed, with the ROOST_* settings that shaped it."""
    env = " ".join(
        f"{name}={shlex.quote(os.environ[name])}" for name in ENV_SHOWN if name in os.environ
    )
    argv = ["roost", *sys.argv[1:]] if sys.argv[0].endswith("roost") else sys.argv
    return f"{env} {shlex.join(argv)}".strip()


def deployment(settings: Settings) -> str:
    if settings.database_url is None:
        return "sqlite"
    return "postgres+redis" if settings.redis_url else "postgres"


def save(name: str, data: dict[str, Any], results_dir: Path = RESULTS_DIR) -> Path:
    """Write ``<results_dir>/<name>.json`` with the command, machine and time added."""
    results_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "name": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(),
        "machine": machine_info(),
        **data,
    }
    path = results_dir / f"{name}.json"
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return path


def load_all(results_dir: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    return [orjson.loads(path.read_bytes()) for path in sorted(results_dir.glob("*.json"))]
