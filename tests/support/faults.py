"""Break dependencies on purpose: a private redis-server and a TCP proxy for PostgreSQL.

Tests never stop or reconfigure the shared servers (127.0.0.1:6379, :5432). A test that
breaks a dependency owns what it breaks:

- ``RedisServer``: a ``redis-server`` child process on a free loopback port (no
  persistence: a stop/start loses the data, as a restarted cache node does). ``stop()``
  and ``start()`` again keep the same port, so clients configured with ``url`` reconnect
  to the new server. ``pause()``/``resume()`` (SIGSTOP/SIGCONT) make it hang instead.
- ``TcpProxy``: forwards a loopback port to a target (default PostgreSQL at
  127.0.0.1:5432). ``cut()`` drops every open connection and refuses new ones (the
  listening socket is closed: connection refused); ``hang()`` keeps accepting but stops
  forwarding (calls time out); ``restore()`` forwards again on the same port. It runs its
  own asyncio loop in a daemon thread, so it works from synchronous tests (real
  processes) and from async tests alike, and a cut never depends on the test's loop.

Hand-written on purpose: Toxiproxy needs a server binary of its own and pytest-redis /
pytest-postgresql are not dependencies; this is a few dozen lines over asyncio.

Both are context managers (``with RedisServer() as redis: ...``) and clean up on exit.
Stable API (helper packages and the fault suite rely on it):

    free_port() -> int
    RedisServer(port=None, *, data_dir=None): .port .url .start() .stop() .kill()
        .restart() .pause() .resume() .running .close()
    TcpProxy(target_port=5432, *, target_host="127.0.0.1", port=None): .port
        .start() .cut() .hang() .restore() .state ("forwarding"|"cut"|"hanging")
        .open_connections .close() .postgres_url(database, user="postgres")
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 10.0, host: str = LOOPBACK) -> None:
    """Return once something accepts TCP connections on ``port``; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(0.02)


class RedisServer:
    """A private ``redis-server`` on a loopback port, stoppable and restartable."""

    def __init__(self, port: int | None = None, *, data_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="roost-redis-"))
        self.process: subprocess.Popen[bytes] | None = None
        self._binary = shutil.which("redis-server") or "redis-server"

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, timeout: float = 10.0) -> None:
        """Start (again) on the same port; returns once it answers PING."""
        if self.running:
            return
        self.process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                LOOPBACK,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited at start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server on port {self.port} did not answer PING")
            time.sleep(0.02)

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop (SIGTERM, no save) and wait until the port refuses connections."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)  # a paused server cannot exit
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the server vanishes without closing its connections cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (calls time out)."""
        assert self.process is not None and self.running
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()


class TcpProxy:
    """A loopback TCP proxy whose connections a test can cut, hang and restore."""

    FORWARDING = "forwarding"
    CUT = "cut"
    HANGING = "hanging"

    def __init__(
        self, target_port: int = 5432, *, target_host: str = LOOPBACK, port: int | None = None
    ) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self.state = self.CUT
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._started = False
        self._flowing = asyncio.Event()  # cleared while hanging (touched on the proxy's loop)

    # -- control (thread-safe: each runs on the proxy's loop and waits for it) -------------

    def start(self) -> None:
        """Listen and forward; returns once the port accepts connections."""
        if not self._started:
            self._thread.start()
            self._started = True
        self._call(self._listen())
        self.state = self.FORWARDING
        self._call(self._set_flowing(True))

    def cut(self) -> None:
        """Drop every open connection (RST) and refuse new ones (the port is closed)."""
        self.state = self.CUT
        self._call(self._stop_listening())
        self._call(self._drop_all())
        self._call(self._set_flowing(True))  # held pumps wake, see their pair gone, end

    def hang(self) -> None:
        """Keep the port open and the connections up, but forward nothing either way."""
        self.state = self.HANGING
        self._call(self._set_flowing(False))
        self._call(self._listen())

    def restore(self) -> None:
        """Forward again (same port). Connections hung by ``hang()`` are dropped first:
        their streams lost bytes, they cannot be trusted."""
        if self.state == self.HANGING:
            self._call(self._drop_all())
        self.start()

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    def postgres_url(self, database: str, *, user: str = "postgres") -> str:
        """``postgresql://`` URL (Roost's ``database_url`` form) through this proxy."""
        return f"postgresql://{user}@{LOOPBACK}:{self.port}/{database}"

    def close(self) -> None:
        if not self._started:
            return
        self.state = self.CUT
        self._call(self._stop_listening())
        self._call(self._drop_all())
        self._call(self._set_flowing(True))  # held pumps wake, see their pair gone, end
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._started = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the proxy's loop ------------------------------------------------------------------

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _set_flowing(self, flowing: bool) -> None:
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._accept, LOOPBACK, self.port, reuse_address=True
        )

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _drop_all(self) -> None:
        for client, upstream in list(self._pairs):
            _abort(client)
            _abort(upstream)
        self._pairs.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.state == self.CUT:
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, pair), self._pump(up_reader, writer, pair)
            )
        finally:
            self._pairs.discard(pair)
            _abort(writer)
            _abort(up_writer)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while pair in self._pairs:
                data = await reader.read(65536)
                if not data:
                    break
                # Hanging: hold the bytes, the peer waits and times out.
                await self._flowing.wait()
                if pair not in self._pairs:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close at once (RST when possible), as a crashed server or a cut cable would."""
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    transport.abort()
