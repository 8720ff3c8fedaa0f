"""``roost worker`` as a real process handles what a real ``roost serve --no-workers`` commits."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis

from tests.e2e.server import roost_command, roost_env, running_server, sign_up_over_http

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_a_worker_process_handles_statuses_posted_to_an_api_only_server(
    tmp_path: Path, empty_postgres_url: str, redis_url: str
) -> None:
    prefix = f"roost-test-{uuid.uuid4().hex[:12]}"
    env = roost_env(
        tmp_path / "data",
        ROOST_DATABASE_URL=empty_postgres_url,
        ROOST_REDIS_URL=redis_url,
        ROOST_REDIS_PREFIX=prefix,
        ROOST_WORKER_MODULES="tests.workers.probe_handlers",
        PYTHONPATH=str(REPO),
    )
    client = redis.Redis.from_url(redis_url)
    handled_key, pid_key = f"{prefix}:probe:handled", f"{prefix}:probe:pid"
    try:
        with running_server(env=env, cwd=tmp_path, args=("--no-workers",)) as server:
            token = sign_up_over_http(server.url, "alice")
            auth = {"Authorization": f"Bearer {token}"}
            posted = [
                httpx.post(f"{server.url}/api/v1/statuses", headers=auth, json={"status": f"n{n}"})
                .json()["id"]
                for n in range(5)
            ]  # fmt: skip
            time.sleep(0.5)
            assert client.hgetall(handled_key) == {}, "the API server must not run workers"
            log = (tmp_path / "worker.log").open("w")
            worker = subprocess.Popen(
                [*roost_command(), "worker", "--queues", "probe"],
                env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and len(client.hgetall(handled_key)) < 5:
                    time.sleep(0.1)
                # One more, while the worker runs.
                later = httpx.post(
                    f"{server.url}/api/v1/statuses", headers=auth, json={"status": "later"}
                ).json()["id"]
                posted.append(later)
                while time.monotonic() < deadline and len(client.hgetall(handled_key)) < 6:
                    time.sleep(0.1)
            finally:
                worker.send_signal(signal.SIGTERM)
                code = worker.wait(timeout=30)
        output = (tmp_path / "worker.log").read_text()
        assert code == 0, output
        assert "stopping after the batch in hand" in output
        handled = {key.decode(): int(value) for key, value in client.hgetall(handled_key).items()}
        assert handled == {status_id: 1 for status_id in posted}, output
        pids = {int(value) for value in client.hgetall(pid_key).values()}
        assert pids == {worker.pid}
        pending = client.xpending(f"{prefix}:events", "probe")
        assert pending["pending"] == 0
        assert client.xinfo_consumers(f"{prefix}:events", "probe") == []  # left cleanly
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()
