"""The fault harness itself (tests/support/faults.py): what the fault suites rely on."""

from __future__ import annotations

import socket

import asyncpg
import pytest
import redis

from tests.support.faults import RedisServer, TcpProxy, free_port


def test_redis_server_stops_and_starts_again_on_the_same_port_empty() -> None:
    with RedisServer() as server:
        client = redis.Redis.from_url(server.url, socket_timeout=1)
        client.set("k", "v")
        port = server.port
        server.stop()
        assert not server.running
        with pytest.raises(redis.ConnectionError):
            client.get("k")
        server.start()
        assert server.port == port and server.running
        assert client.get("k") is None  # no persistence: a restarted cache node is empty


def test_redis_server_pause_makes_calls_time_out() -> None:
    with RedisServer() as server:
        client = redis.Redis.from_url(server.url, socket_timeout=0.2)
        assert client.ping()
        server.pause()
        with pytest.raises(redis.TimeoutError):
            client.ping()
        server.resume()
        assert redis.Redis.from_url(server.url, socket_timeout=1).ping()


async def test_proxy_cuts_refuses_hangs_and_restores_postgres() -> None:
    with TcpProxy(5432) as proxy:
        url = proxy.postgres_url("test")
        conn = await asyncpg.connect(url, timeout=2)
        assert await conn.fetchval("SELECT 1") == 1
        proxy.cut()
        with pytest.raises((asyncpg.ConnectionDoesNotExistError, ConnectionError, OSError)):
            await conn.fetchval("SELECT 1")
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
        proxy.restore()
        conn = await asyncpg.connect(url, timeout=2)
        proxy.hang()
        with pytest.raises(TimeoutError):
            await conn.fetchval("SELECT 1", timeout=0.3)
        proxy.restore()
        conn = await asyncpg.connect(url, timeout=2)
        assert await conn.fetchval("SELECT 2") == 2
        await conn.close()


def test_free_port_is_free() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
