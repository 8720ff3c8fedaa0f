"""Real processes: `roost serve --no-workers` and `roost worker --metrics-port` each export
their own metrics, and the API process logs JSON lines with request and trace ids."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.e2e.server import (
    free_port,
    roost_command,
    roost_env,
    running_server,
    sign_up_over_http,
)
from tests.observability.support import parse, total, value

pytestmark = pytest.mark.e2e
DEADLINE_S = 90.0  # generous: process start-up on a loaded CI machine


def _poll_metrics(url: str, ready: Any) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    samples: Any = {}
    while time.monotonic() < deadline:
        try:
            samples = parse(httpx.get(url, timeout=2).text)
        except httpx.TransportError:
            samples = {}
        if samples and ready(samples):
            return samples
        time.sleep(0.1)
    raise AssertionError(f"{url} never showed what was expected: {sorted(samples)[:50]}")


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    settings = {"ROOST_LOG_FORMAT": "json", "ROOST_METRICS_REFRESH_SECONDS": "0.2"}
    if request.param == "postgres":
        settings |= {
            "ROOST_DATABASE_URL": request.getfixturevalue("empty_postgres_url"),
            "ROOST_REDIS_URL": request.getfixturevalue("redis_url"),
            "ROOST_REDIS_PREFIX": f"roost-test-{uuid.uuid4().hex[:12]}",
        }
    return roost_env(tmp_path / "data", **settings)


def test_api_and_worker_processes_export_metrics_and_log_json(
    tmp_path: Path, deployment: dict[str, str]
) -> None:
    with running_server(env=deployment, cwd=tmp_path, args=("--no-workers",)) as server:
        token = sign_up_over_http(server.url, "alice")
        metrics_port = free_port()
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [*roost_command(), "worker", "--metrics-port", str(metrics_port)],
            env=deployment, cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            posted = httpx.post(
                f"{server.url}/api/v1/statuses",
                headers={"Authorization": f"Bearer {token}", "X-Request-Id": "proc-req-1"},
                json={"status": "from a real process"},
            )
            assert posted.status_code == 200
            assert posted.headers["x-request-id"] == "proc-req-1"

            worker_url = f"http://127.0.0.1:{metrics_port}/metrics"
            done = _poll_metrics(
                worker_url,
                # The lag is observed inside the handler, the outcome once it returns.
                lambda s: (
                    value(s, "roost_fanout_lag_seconds_count", kind="status.created") >= 1
                    and total(s, "roost_worker_events_total", outcome="ok") >= 1
                ),
            )
            assert value(done, "roost_breaker_state", dependency="database", state="closed") == 1
            assert value(done, "roost_degradation_level") == 0
            # The worker's refresher sees the backlog drained.
            _poll_metrics(
                worker_url,
                lambda s: (
                    value(s, "roost_backlog_refreshed_timestamp_seconds") > 0
                    and value(s, "roost_outbox_size") == 0
                ),
            )

            api = _poll_metrics(
                f"{server.url}/metrics",
                lambda s: value(s, "roost_backlog_refreshed_timestamp_seconds") > 0,
            )
            posts = value(
                api, "roost_http_requests_total", method="POST", route="/api/v1/statuses",
                status="200",
            )  # fmt: skip
            assert posts == 1
            # Fan-out happened in the worker, not in the API process.
            assert value(api, "roost_fanout_lag_seconds_count", kind="status.created") == 0
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker_log.close()
        log_text = server.log()
    lines = [orjson.loads(line) for line in log_text.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "proc-req-1"]
    assert mine, log_text[-3000:]
    assert any(line["event"] == "request" and line["status"] == 200 for line in mine)
    assert all(len(line["trace_id"]) == 32 for line in mine)
    requests = [line for line in lines if line.get("event") == "request"]
    assert all(line.get("request_id") and line.get("trace_id") for line in requests)
