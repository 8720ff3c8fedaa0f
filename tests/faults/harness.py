"""Real Roost processes for the fault suite: API servers, workers, their logs, and clients.

A ``Deployment`` is one scaled-out Roost: ``roost serve --no-workers`` processes and
``roost worker`` processes sharing a PostgreSQL database and a Redis server that the
test owns, so the test may stop, cut, kill or freeze any part of it. Everything it
started is killed when the block ends, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import free_port, roost_command, roost_env

STARTUP_TIMEOUT_S = 120.0  # imports alone take 15 s on a busy 2-core machine
LOG_TAIL_CHARS = 4000


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    logs: Callable[[], str] = lambda: "",
    interval: float = 0.05,
) -> None:
    """Poll ``condition`` until true; fail saying ``what`` did not happen (with the logs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}\n{logs()}")
        time.sleep(interval)


@dataclass
class Process:
    """One ``roost`` subprocess and the file its output goes to."""

    name: str
    popen: subprocess.Popen[str]
    log_path: Path
    url: str | None = None  # API processes only

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def kill(self) -> None:
        if self.alive():
            self.popen.kill()
        self.popen.wait(timeout=10)


@dataclass
class Deployment:
    """Roost processes on one database and one Redis; see the module docstring."""

    workdir: Path
    database_url: str
    redis_url: str
    env_overrides: dict[str, str] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: f"roost-fault-{uuid.uuid4().hex[:10]}")
    processes: list[Process] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return roost_env(
            self.workdir / "data",
            ROOST_DATABASE_URL=self.database_url,
            ROOST_REDIS_URL=self.redis_url,
            ROOST_REDIS_PREFIX=self.prefix,
            # The faults are the subject here; the sign-up and request limits are not.
            ROOST_RATE_LIMITS_ENABLED="false",
            **self.env_overrides,
        )

    def _spawn(self, name: str, args: list[str], url: str | None = None) -> Process:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("w") as log:
            popen = subprocess.Popen(
                [*roost_command(), *args],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        process = Process(name=name, popen=popen, log_path=log_path, url=url)
        self.processes.append(process)
        return process

    def start(self, *workers: str) -> tuple[Process, list[Process]]:
        """An API process and ``roost worker`` processes named ``workers``, started side by
        side: the workers are spawned once the API has migrated the database (its banner),
        so the slow part, importing Roost, overlaps."""
        api = self._spawn_api("api")
        wait_until(lambda: "serving at" in api.log() or not api.alive(),
                   timeout=STARTUP_TIMEOUT_S, what="api migrates", logs=self.logs)  # fmt: skip
        spawned = [self._spawn(name, ["worker"]) for name in workers]
        self._wait_started([api, *spawned])
        return api, spawned

    def start_api(self, name: str = "api") -> Process:
        """``roost serve --no-workers`` on a free port, once it answers HTTP."""
        process = self._spawn_api(name)
        self._wait_started([process])
        return process

    def start_worker(self, name: str = "worker") -> Process:
        """``roost worker`` (all queues); it has started once it prints its banner."""
        process = self._spawn(name, ["worker"])
        self._wait_started([process])
        return process

    def _spawn_api(self, name: str) -> Process:
        port = free_port()
        return self._spawn(
            name,
            ["serve", "--no-workers", "--host", "127.0.0.1", "--port", str(port)],
            url=f"http://127.0.0.1:{port}",
        )

    def _wait_started(self, processes: list[Process]) -> None:
        def started(process: Process) -> bool:
            if not process.alive():
                raise AssertionError(
                    f"{process.name} exited with {process.popen.returncode}\n{self.logs()}"
                )
            if process.url is None:
                return "Roost worker: queues" in process.log()
            try:
                httpx.get(f"{process.url}/api/v1/streaming/health", timeout=2)
            except httpx.TransportError:
                return False
            return True

        names = ", ".join(process.name for process in processes)
        wait_until(
            lambda: all([started(process) for process in processes]),
            timeout=STARTUP_TIMEOUT_S, what=f"{names} started", logs=self.logs,
        )  # fmt: skip

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} (exit {p.popen.poll()})\n{p.log()[-LOG_TAIL_CHARS:]}"
            for p in self.processes
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.alive():
                # A frozen process must be thawed to be killed cleanly (and reaped).
                os.kill(process.popen.pid, signal.SIGCONT)
                process.popen.kill()
        for process in self.processes:
            process.popen.wait(timeout=10)


@contextmanager
def deployment(
    workdir: Path, *, database_url: str, redis_url: str, **env: str
) -> Iterator[Deployment]:
    """A ``Deployment`` whose processes are all killed when the block ends."""
    deployed = Deployment(
        workdir=workdir, database_url=database_url, redis_url=redis_url, env_overrides=env
    )
    try:
        yield deployed
    finally:
        deployed.stop_all()


# --- clients ----------------------------------------------------------------------------


@dataclass
class User:
    username: str
    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def app_token(base: str) -> str:
    """A client-credentials token of a new OAuth app (what sign-up needs)."""
    app = httpx.post(
        f"{base}/api/v1/apps",
        json={"client_name": "faults", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write follow"},
    ).json()  # fmt: skip
    answer = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": app["client_id"],
              "client_secret": app["client_secret"], "scope": "read write follow"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def sign_up(base: str, app_token: str, username: str) -> User:
    answer = httpx.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={"username": username, "email": f"{username}@example.com",
              "password": f"{username}-password-1", "agreement": True},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    token = str(answer.json()["access_token"])
    me = httpx.get(
        f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200, me.text
    return User(username=username, id=str(me.json()["id"]), token=token)


def follow(base: str, follower: User, target: User) -> None:
    answer = httpx.post(f"{base}/api/v1/accounts/{target.id}/follow", headers=follower.auth)
    assert answer.status_code == 200, answer.text


def post_status(base: str, author: User, text: str, **fields: Any) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/statuses",
        headers={**author.auth, "Idempotency-Key": uuid.uuid4().hex},
        json={"status": text, **fields},
        timeout=10,
    )


def home_ids(base: str, user: User, *, limit: int = 40) -> list[str]:
    """The ids of ``user``'s home timeline, newest first (every page)."""
    ids: list[str] = []
    url: str | None = f"{base}/api/v1/timelines/home?limit={limit}"
    while url:
        answer = httpx.get(url, headers=user.auth, timeout=10)
        assert answer.status_code == 200, answer.text
        page = [str(entry["id"]) for entry in answer.json()]
        if not page:
            break
        ids.extend(page)
        url = answer.links.get("next", {}).get("url")
    return ids
