"""Fault 4: an API process sent SIGTERM under load loses no request it had taken in.

A real ``roost serve --no-workers`` (PostgreSQL database and Redis server of the test's
own, one ``roost worker``) serves four client threads reading and posting without a
pause, an SSE stream, a WebSocket stream, and three posts that are provably in flight
when SIGTERM arrives: each sent ``Expect: 100-continue`` and got ``100 Continue`` (the
app is reading it) but its body is sent only after the signal. Then:

- the streams end at once (SSE response finished, WebSocket closed with 1001), not after
  the graceful-shutdown timeout, while the in-flight posts still keep the process up;
- each in-flight post completes with 200 and its status is in the database;
- no response at all is a 5xx; every load request sent before the signal got a 2xx;
  a request that failed at the transport level came after the signal and was never
  processed (a post failing so is not in the database: it is safe to retry);
- the process exits by itself within seconds, without cancelling anything.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import h11
import httpx
import orjson
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as websocket_connect

from tests.faults.harness import (
    Deployment,
    Process,
    User,
    app_token,
    deployment,
    follow,
    post_status,
    sign_up,
    wait_until,
)
from tests.support.faults import RedisServer

pytestmark = pytest.mark.e2e

LOAD_THREADS = 4
IN_FLIGHT_POSTS = 3
STREAM_END_DEADLINE_S = 3.0  # the graceful-shutdown timeout is 20 s here
EXIT_DEADLINE_S = 10.0


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int | None = None
    error: str | None = None
    text: str | None = None  # posts: the unique text, to look for in the database


class Load:
    """Client threads sending requests back to back (keep-alive) until told to stop."""

    def __init__(self, base: str, reader: User, writer: User, status_id: str) -> None:
        self.base = base
        self.reader = reader
        self.writer = writer
        self.status_id = status_id
        self.outcomes: list[Outcome] = []
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(LOAD_THREADS)
        ]
        self._lock = threading.Lock()

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> list[Outcome]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)
        return self.outcomes

    def _run(self, number: int) -> None:
        kinds = ["home", "status", "post", "account"]
        with httpx.Client(base_url=self.base, timeout=10) as http:
            sent = 0
            while not self.stop.is_set():
                kind = kinds[(sent + number) % len(kinds)]
                sent += 1
                outcome = self._one(http, kind, f"load {number}-{sent} {uuid.uuid4().hex[:6]}")
                with self._lock:
                    self.outcomes.append(outcome)
                if outcome.error is not None and "ConnectError" in outcome.error:
                    return  # the server is gone (refusing connections): nothing more to learn

    def _one(self, http: httpx.Client, kind: str, text: str) -> Outcome:
        started = time.monotonic()
        try:
            if kind == "home":
                answer = http.get("/api/v1/timelines/home", headers=self.reader.auth)
            elif kind == "status":
                answer = http.get(f"/api/v1/statuses/{self.status_id}", headers=self.reader.auth)
            elif kind == "account":
                answer = http.get("/api/v1/accounts/verify_credentials", headers=self.writer.auth)
            else:
                answer = http.post(
                    "/api/v1/statuses", headers=self.writer.auth, json={"status": text}
                )
        except httpx.TransportError as exc:
            return Outcome(kind, started, time.monotonic(), error=repr(exc), text=text)
        return Outcome(kind, started, time.monotonic(), status=answer.status_code, text=text)


class SlowPost:
    """A post whose headers are sent with ``Expect: 100-continue``; its body only on demand.

    Once the server answered ``100 Continue`` the app is reading the request: it is in flight.
    """

    def __init__(self, base: str, author: User, text: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.text = text
        self.body = orjson.dumps({"status": text})
        self.sock = socket.create_connection((host, int(port)), timeout=15)
        self.conn = h11.Connection(our_role=h11.CLIENT)
        headers = [
            ("Host", f"{host}:{port}"),
            ("Authorization", f"Bearer {author.token}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(self.body))),
            ("Expect", "100-continue"),
            ("Connection", "close"),
        ]
        self.sock.sendall(
            self.conn.send(h11.Request(method="POST", target="/api/v1/statuses", headers=headers))
            or b""
        )
        event = self._next_event()
        assert isinstance(event, h11.InformationalResponse) and event.status_code == 100, event

    def finish(self) -> tuple[int, bytes]:
        """Send the body; the final status code and body."""
        self.sock.sendall(self.conn.send(h11.Data(data=self.body)) or b"")
        self.sock.sendall(self.conn.send(h11.EndOfMessage()) or b"")
        response = self._next_event()
        assert isinstance(response, h11.Response), response
        body = b""
        while not isinstance(event := self._next_event(), h11.EndOfMessage):
            assert isinstance(event, h11.Data), event
            body += event.data
        self.sock.close()
        return response.status_code, body

    def _next_event(self) -> object:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.conn.receive_data(self.sock.recv(65536))


class SseWatcher(threading.Thread):
    """Reads a user stream until it ends; whether it ended cleanly, and when."""

    def __init__(self, base: str, user: User) -> None:
        super().__init__(daemon=True)
        self.base, self.user = base, user
        self.opened = threading.Event()
        self.ended_at: float | None = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=60)) as http,
                http.stream(
                    "GET", f"{self.base}/api/v1/streaming/user", headers=self.user.auth
                ) as response,
            ):
                assert response.status_code == 200
                for _ in response.iter_raw():
                    self.opened.set()
        except Exception as exc:  # the assertion below reports it
            self.error = repr(exc)
        self.ended_at = time.monotonic()


class WebSocketWatcher(threading.Thread):
    """A WebSocket subscribed to the user stream; the close code it gets, and when."""

    def __init__(self, base: str, user: User) -> None:
        super().__init__(daemon=True)
        self.url = base.replace("http://", "ws://") + "/api/v1/streaming?stream=user"
        self.user = user
        self.opened = threading.Event()
        self.ended_at: float | None = None
        self.close_code: int | None = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            with websocket_connect(self.url, additional_headers=self.user.auth) as ws:
                self.opened.set()
                try:
                    while True:
                        ws.recv(timeout=60)
                except ConnectionClosed as closed:
                    self.close_code = closed.rcvd.code if closed.rcvd else None
        except Exception as exc:
            self.error = repr(exc)
        self.ended_at = time.monotonic()


def _texts_in_database(database_url: str) -> set[str]:
    async def read() -> set[str]:
        conn = await asyncpg.connect(database_url)
        try:
            return {row["text"] for row in await conn.fetch("SELECT text FROM statuses")}
        finally:
            await conn.close()

    return asyncio.run(read())


def _seed(api: Process) -> tuple[User, User, str]:
    assert api.url
    token = app_token(api.url)
    reader, writer = sign_up(api.url, token, "reader"), sign_up(api.url, token, "writer")
    follow(api.url, reader, writer)
    first = post_status(api.url, writer, "before the load")
    assert first.status_code == 200, first.text
    return reader, writer, str(first.json()["id"])


def test_sigterm_under_load_fails_no_in_flight_request(
    tmp_path: Path, empty_postgres_url: str, own_redis: RedisServer
) -> None:
    with deployment(
        tmp_path,
        database_url=empty_postgres_url,
        redis_url=own_redis.url,
        ROOST_SHUTDOWN_TIMEOUT_SECONDS="20",
    ) as roost:
        api, _ = roost.start("worker")
        assert api.url
        reader, writer, status_id = _seed(api)

        sse, ws = SseWatcher(api.url, reader), WebSocketWatcher(api.url, reader)
        sse.start()
        ws.start()
        load = Load(api.url, reader, writer, status_id)
        load.start()
        wait_until(
            lambda: sse.opened.is_set() and ws.opened.is_set() and len(load.outcomes) >= 40,
            timeout=20, what="streams are open and load is flowing", logs=roost.logs,
        )  # fmt: skip
        slow = [
            SlowPost(api.url, writer, f"in flight {n} {uuid.uuid4().hex[:6]}")
            for n in range(IN_FLIGHT_POSTS)
        ]

        signalled = time.monotonic()
        api.signal(signal.SIGTERM)

        # Streams end promptly, while the in-flight posts still hold the process.
        wait_until(
            lambda: sse.ended_at is not None and ws.ended_at is not None,
            timeout=STREAM_END_DEADLINE_S, what="the SSE and WebSocket streams end",
            logs=roost.logs,
        )  # fmt: skip
        assert sse.error is None, f"SSE did not end cleanly: {sse.error}"
        assert ws.error is None and ws.close_code == 1001, (ws.close_code, ws.error)
        assert api.alive(), "the process must wait for its in-flight requests"

        finished = [post.finish() for post in slow]
        outcomes = load.finish()
        _wait_for_exit(roost, api, signalled)

    for status, body in finished:
        assert status == 200, (status, body)
    stored = _texts_in_database(empty_postgres_url)
    assert {post.text for post in slow} <= stored, "every in-flight post was committed"

    _check_load(outcomes, signalled, stored)


def _wait_for_exit(roost: Deployment, api: Process, signalled: float) -> None:
    wait_until(
        lambda: not api.alive(), timeout=EXIT_DEADLINE_S, what="the API process exits",
        logs=roost.logs,
    )  # fmt: skip
    # uvicorn re-raises the signal it handled once shut down: "killed by SIGTERM" or 0.
    assert api.popen.returncode in (0, -signal.SIGTERM), roost.logs()
    log = api.log()
    assert "timeout graceful shutdown exceeded" not in log, log
    assert "Traceback" not in log, log


def _check_load(outcomes: list[Outcome], signalled: float, stored: set[str]) -> None:
    answered = [o for o in outcomes if o.status is not None]
    failed = [o for o in outcomes if o.error is not None]
    assert len(answered) >= 40
    assert [o for o in answered if (o.status or 0) >= 300] == [], "every answer is a success"
    before = [o for o in failed if o.started < signalled]
    assert before == [], f"requests sent before SIGTERM failed: {before}"
    posted = {o.text for o in answered if o.kind == "post"}
    assert posted <= stored, "every answered post is in the database"
    lost = [o for o in failed if o.kind == "post" and o.text in stored]
    assert lost == [], f"posts processed but never answered: {lost}"
