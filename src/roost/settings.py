"""Every setting Roost reads, in one place.

Values come from ``ROOST_*`` environment variables or an optional ``.env`` file.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrationMode(StrEnum):
    open = "open"
    approval = "approval"
    closed = "closed"


class TracingExporter(StrEnum):
    off = "off"
    console = "console"
    otlp = "otlp"


class LogFormat(StrEnum):
    auto = "auto"
    json = "json"
    console = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROOST_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("roost-data"), description="Folder for the SQLite file and media.")
    database_url: str | None = Field(
        None, description="postgresql://user@host:port/db; unset means SQLite in the data folder."
    )
    redis_url: str | None = Field(None, description="redis://host:port/db (timeline engine).")
    instance_domain: str = Field("localhost:8000", description="Domain shown in acct and URLs.")
    instance_title: str = Field("Roost", description="Instance name shown to clients.")
    instance_description: str = Field("A Roost social server.", description="Instance blurb.")
    contact_email: str = Field("admin@localhost", description="Instance contact address.")
    public_url: str | None = Field(
        None, description="Base URL clients reach (default http://<instance_domain>)."
    )
    registrations: RegistrationMode = Field(
        RegistrationMode.open, description="open, approval (accounts wait) or closed."
    )
    max_status_chars: int = Field(500, description="Longest status text accepted.")
    timeline_preview: bool = Field(
        True, description="Let visitors without a token read the public and hashtag timelines."
    )
    db_pool_size: int = Field(10, description="PostgreSQL connection pool size.")
    database_timeout_seconds: float = Field(
        10.0,
        description="Longest a PostgreSQL statement may run, or a transaction sit idle "
        "(statement_timeout, idle_in_transaction_session_timeout, client side too).",
    )
    database_connect_timeout_seconds: float = Field(
        3.0, description="Longest wait for a PostgreSQL connection (connect or pool checkout)."
    )
    redis_timeout_seconds: float = Field(2.0, description="Longest wait for a Redis reply.")
    redis_connect_timeout_seconds: float = Field(
        1.0, description="Longest wait to connect to Redis."
    )
    retry_attempts: int = Field(
        3, description="Tries of a call failing with a transient error (connect, timeout)."
    )
    retry_max_seconds: float = Field(
        1.0, description="Total time the retries of one call may take."
    )
    breaker_failure_threshold: int = Field(
        5, description="Failures within breaker_window_seconds that open a dependency's breaker."
    )
    breaker_window_seconds: float = Field(
        10.0, description="Window in which breaker_failure_threshold failures are counted."
    )
    breaker_open_seconds: float = Field(
        5.0, description="How long an open breaker fails fast before probing again."
    )
    breaker_half_open_probes: int = Field(
        3, description="Calls let through a half-open breaker; 2 successes close it."
    )
    ready_when_database_down: bool = Field(
        False,
        description="/readyz answers 200 while the database is down (level 3, read-only from "
        "Redis) instead of 503.",
    )
    redis_prefix: str = Field(
        "roost", description="Prefix of every Redis key (lets several instances share one Redis)."
    )
    timeline_cap: int = Field(800, description="Status ids kept per materialized home timeline.")
    fanout_threshold: int = Field(
        10_000,
        # About 0.3 s of one worker per status at the measured ~35k deliveries/s
        # (docs/architecture.md, "Fan-out").
        description="Authors with more followers are not fanned out; followers pull them on read.",
    )
    fanout_batch_size: int = Field(1000, description="Followers per fan-out job.")
    active_days: int = Field(
        7, description="Followers seen within this many days get fan-out; others are rebuilt."
    )
    reblog_falloff: int = Field(
        40,
        description="Skip a reblog when a home's newest this-many entries hold the original.",
    )
    status_cache_seconds: int = Field(
        600, description="Lifetime of cached rendered statuses and viewer relationships."
    )
    token_cache_seconds: float = Field(
        300.0,
        description="How long a process trusts a cached access token if a revocation "
        "message from another process was lost.",
    )
    stream_maxlen: int = Field(100_000, description="Approximate cap on the Redis event stream.")
    claim_idle_ms: int = Field(
        30_000, description="Pending stream entries idle this long are reclaimed by another worker."
    )
    max_deliveries: int = Field(5, description="Deliveries before an event goes to dead letters.")
    relay_interval_seconds: float = Field(
        1.0, description="How often the outbox relay re-publishes events left behind."
    )
    worker_modules: str | None = Field(
        None, description="Comma-separated extra modules whose import registers worker handlers."
    )
    streaming_replay_seconds: int = Field(
        300, description="Streaming events kept per stream for clients that reconnect."
    )
    streaming_replay_maxlen: int = Field(
        1000, description="Approximate cap on the replay events kept per stream."
    )
    streaming_queue_size: int = Field(
        1000, description="Events buffered per streaming client; a client past it is disconnected."
    )
    streaming_heartbeat_seconds: float = Field(
        15.0, description="Interval of streaming heartbeats (SSE comments, WebSocket pings)."
    )
    shutdown_timeout_seconds: float = Field(
        25.0,
        description="On SIGTERM, how long in-flight requests (API) or the batch in hand "
        "(worker) may run before they are cancelled.",
    )
    password_min_length: int = Field(8, description="Shortest password accepted.")
    trends_window_hours: int = Field(
        48, description="Trends count the uses and engagement of this many recent hours."
    )
    trends_half_life_hours: float = Field(
        6.0, description="Trend activity loses half its weight every this many hours."
    )
    media_max_bytes: int = Field(
        16_777_216, description="Largest media upload accepted, in bytes (larger: 413)."
    )
    media_inline_max_bytes: int = Field(
        1_048_576,
        description="POST /api/v2/media processes uploads up to this size at once; larger "
        "ones are processed by the media worker (202, then 200).",
    )
    media_max_pixels: int = Field(
        33_177_600, description="Images with more pixels are refused (decompression bombs)."
    )
    media_original_pixels: int = Field(
        8_294_400, description="Stored images are scaled down to at most this many pixels."
    )
    media_small_pixels: int = Field(
        230_400, description="Preview (small) images are scaled down to this many pixels."
    )
    # Observability (roost.observability): metrics, tracing, logs.
    metrics_enabled: bool = Field(
        True, description="Serve Prometheus metrics at /metrics on the API port."
    )
    metrics_refresh_seconds: float = Field(
        15.0, description="How often stream, consumer-group and outbox gauges are refreshed."
    )
    tracing_exporter: TracingExporter = Field(
        TracingExporter.off, description="Where OpenTelemetry spans go: off, console or otlp."
    )
    otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP traces URL (unset: OTEL_EXPORTER_OTLP_* or localhost:4318)."
    )
    log_format: LogFormat = Field(
        LogFormat.auto, description="auto (console on a terminal, else json), json or console."
    )
    log_level: str = Field("info", description="Lowest level logged (debug, info, warning...).")
    # Protection (roost.protection). Rules use the `limits` notation: "<n> per <k> <unit>".
    rate_limits_enabled: bool = Field(
        True, description="Apply the rate limits below (429 past them), as Mastodon does."
    )
    rate_limit_authenticated: str = Field(
        "300 per 5 minutes", description="Requests to /api/* per account (user token)."
    )
    rate_limit_unauthenticated: str = Field(
        "300 per 5 minutes", description="Requests to /api/* per IP address without a user token."
    )
    rate_limit_sign_up: str = Field(
        "5 per 30 minutes", description="Sign-ups (POST /api/v1/accounts) per IP address."
    )
    rate_limit_sign_in: str = Field(
        "25 per 5 minutes",
        description="Sign-in attempts (POST /oauth/token, POST /oauth/authorize) per IP address.",
    )
    rate_limit_media: str = Field(
        "30 per 30 minutes",
        description="Media uploads (POST /api/v1/media, /api/v2/media) per account.",
    )
    rate_limit_deletes: str = Field(
        "30 per 30 minutes",
        description="Status deletions and unreblogs per account.",
    )
    max_request_bytes: int = Field(
        1_048_576,
        description="Largest request body accepted outside uploads, in bytes (larger: 413).",
    )

    @cached_property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.instance_domain}").rstrip("/")

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The async driver URL: plain postgres URLs get asyncpg, no URL means SQLite."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.sqlite_path.resolve()}"
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @property
    def sqlite_path(self) -> Path:
        """The embedded database file (used when ``database_url`` is unset)."""
        return self.data_dir / "roost.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"
