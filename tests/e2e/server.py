"""Run the real ``roost`` command as a subprocess: the helpers the CLI and e2e tests share."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 60.0


def roost_command() -> list[str]:
    """The installed ``roost`` script next to this interpreter, else ``python -m roost``."""
    script = Path(sys.executable).parent / "roost"
    if script.exists():
        return [str(script)]
    found = shutil.which("roost")
    return [found] if found else [sys.executable, "-m", "roost"]


def roost_env(data_dir: Path | None = None, **overrides: str) -> dict[str, str]:
    """The current environment without any ROOST_* setting, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROOST_")}
    env["PYTHONUNBUFFERED"] = "1"
    if data_dir is not None:
        env["ROOST_DATA_DIR"] = str(data_dir)
    env.update(overrides)
    return env


def run_roost(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*roost_command(), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(
    *, env: Mapping[str, str], cwd: Path, args: tuple[str, ...] = (), port: int | None = None
) -> Iterator[Server]:
    """``roost serve`` on ``port`` (default: a free loopback port); stopped when the block ends."""
    port = port or free_port()
    log_path = cwd / f"roost-serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*roost_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        _stop(process)


def _wait_until_answering(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"roost serve exited with {server.process.returncode}:\n{server.log()}"
            )
        try:
            # Any HTTP answer (even a 404 before the instance endpoint exists) means it is up.
            httpx.get(f"{server.url}/api/v1/instance", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"roost serve did not answer within {STARTUP_TIMEOUT_S}s:\n{server.log()}")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def sign_up_over_http(base: str, username: str) -> str:
    """A new account on a running server, through the API as a client would; its token."""
    app = httpx.post(
        f"{base}/api/v1/apps",
        json={"client_name": "probe", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write"},
    ).json()  # fmt: skip
    app_token = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": app["client_id"],
              "client_secret": app["client_secret"], "scope": "read write"},
    ).json()["access_token"]  # fmt: skip
    answer = httpx.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={"username": username, "email": f"{username}@example.com",
              "password": f"{username}-password", "agreement": True},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])
