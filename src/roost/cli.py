"""The ``roost`` command: serve, migrate, admin tasks."""

from __future__ import annotations

import asyncio
import math
import socket
import sqlite3
from collections.abc import Callable

import typer
import uvicorn
from rich.console import Console

from roost import __version__
from roost.bench.cli import bench_app
from roost.migrations.runner import upgrade_to_head
from roost.settings import Settings

app = typer.Typer(
    help="Roost, a social feed server that speaks the Mastodon API.", no_args_is_help=True
)
admin = typer.Typer(help="Administrative tasks.", no_args_is_help=True)
app.add_typer(admin, name="admin")
app.add_typer(bench_app, name="bench")
console = Console()
errors = Console(stderr=True)


def _prepare(settings: Settings) -> None:
    """Create the data folder and bring the database schema up to date."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url is None:
        _create_sqlite_in_wal_mode(settings)
    upgrade_to_head(settings.sqlalchemy_url)


def _create_sqlite_in_wal_mode(settings: Settings) -> None:
    """Create the SQLite file in WAL mode before anything else opens it.

    Notes on design: WAL is a property of the file, so setting it once here makes
    every later connection (Alembic's, the server's, a backup tool's) use it, and
    readers never wait for the writer.
    """
    connection = sqlite3.connect(settings.sqlite_path)
    try:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    finally:
        connection.close()
    if str(mode).lower() != "wal":
        errors.print(f"[red]Could not put {settings.sqlite_path} in WAL mode ({mode}).[/red]")
        raise typer.Exit(1)


# After the listeners close and before idle connections are dropped: time for requests that
# reached an already accepted connection to be read (then they are in flight and finish)
# and for the WebSocket close frames of ended streams to be written.
SHUTDOWN_SETTLE_SECONDS = 0.1


class GracefulServer(uvicorn.Server):
    """uvicorn's server whose shutdown ends the open streams first.

    uvicorn stops accepting, lets in-flight requests finish (up to
    ``timeout_graceful_shutdown``), then runs the lifespan shutdown. A streaming response
    never finishes by itself, so with plain uvicorn every SIGTERM with a client attached
    waited the whole timeout and then cancelled the streams mid-write. Here the listening
    sockets close first (so reconnecting clients go elsewhere), then ``end_streams`` ends
    every SSE response and closes every WebSocket with 1001, then uvicorn's own shutdown
    proceeds, now waiting only for ordinary requests.
    """

    def __init__(self, config: uvicorn.Config, *, end_streams: Callable[[], int]) -> None:
        super().__init__(config)
        self.end_streams = end_streams

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        self.end_streams()
        await asyncio.sleep(SHUTDOWN_SETTLE_SECONDS)
        await super().shutdown(sockets)


def _describe_backend(settings: Settings) -> str:
    if settings.database_url is None:
        return f"SQLite at {settings.sqlite_path.resolve()}"
    return "PostgreSQL"


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_workers: bool = typer.Option(
        False, "--no-workers", help="Serve the API only; run `roost worker` processes apart."
    ),
) -> None:
    """Apply migrations and serve the API, with the workers in the same process unless
    --no-workers (SQLite in ROOST_DATA_DIR unless configured)."""
    settings = Settings()
    _prepare(settings)
    from roost.app import create_app
    from roost.observability.logs import configure_logging

    configure_logging(settings)

    shown_host = f"[{host}]" if ":" in host else host
    console.print(
        f"Roost {__version__} on {_describe_backend(settings)}: "
        f"serving at http://{shown_host}:{port}",
        soft_wrap=True,
    )
    from roost.streaming.api import end_streams

    application = create_app(settings, run_workers=not no_workers, run_relay=True)
    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # uvicorn's lines go through Roost's logging (observability.logs)
        # SIGTERM: in-flight requests get this long; open streams are ended at once.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_seconds),
        ws_ping_interval=settings.streaming_heartbeat_seconds,
    )
    GracefulServer(config, end_streams=lambda: end_streams(application)).run()


@app.command()
def worker(
    queues: str = typer.Option(
        "", help="Comma-separated queues to run (default: all), e.g. timelines,notifications."
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve Prometheus metrics on this port (/metrics)."
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", "--metrics-host", help="Address the metrics port listens on."
    ),
) -> None:
    """Run the background workers (and the outbox relay) until SIGTERM or SIGINT.

    Any number may run, on any machine, beside `roost serve --no-workers`.
    """
    from roost.observability.logs import configure_logging
    from roost.workers.process import run_worker_process
    from roost.workers.runtime import UnknownQueue

    settings = Settings()
    configure_logging(settings)
    wanted = [name.strip() for name in queues.split(",") if name.strip()]
    try:
        asyncio.run(
            run_worker_process(
                settings,
                queues=wanted or None,
                announce=console.print,
                metrics_port=metrics_port,
                metrics_host=metrics_host,
            )
        )
    except UnknownQueue as exc:
        errors.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Apply every pending migration."""
    settings = Settings()
    _prepare(settings)
    console.print(f"Database is up to date ({_describe_backend(settings)}).", soft_wrap=True)


@app.command()
def version() -> None:
    """Print Roost's version."""
    typer.echo(__version__)


@admin.command("create-account")
def create_account(
    username: str,
    email: str = typer.Option(..., help="Email address (also the sign-in name)."),
    password: str = typer.Option(..., help="Password."),
) -> None:
    """Create a local, approved account and print its id."""
    from roost.accounts.service import create_account as create
    from roost.db import Database
    from roost.errors import DomainError

    settings = Settings()
    _prepare(settings)

    async def run() -> int:
        db = Database(settings.sqlalchemy_url, pool_size=1)
        try:
            async with db.write() as conn:
                return await create(
                    conn,
                    username=username,
                    email=email,
                    password=password,
                    password_min_length=settings.password_min_length,
                )
        finally:
            await db.dispose()

    try:
        account_id = asyncio.run(run())
    except DomainError as exc:
        errors.print(f"[red]{exc.message}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    typer.echo(account_id)


@admin.command("delete-account")
def delete_account(account_id: int) -> None:
    """Delete an account and everything it made, in one transaction."""
    from roost.accounts.deletion import delete_account as delete
    from roost.db import Database
    from roost.errors import DomainError

    settings = Settings()
    _prepare(settings)

    async def run() -> None:
        db = Database(settings.sqlalchemy_url, pool_size=1)
        try:
            await delete(db=db, account_id=account_id)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except DomainError as exc:
        errors.print(f"[red]Account {account_id}: {exc.message}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Deleted account {account_id}")


@admin.command("rebuild-timelines")
def rebuild_timelines(
    account: int | None = typer.Option(None, "--account", help="Only this account's id."),
) -> None:
    """Rebuild materialized home timelines from the database (all accounts, or one)."""
    from rich.progress import Progress

    from roost.cache.keys import Keys
    from roost.cache.redis_client import create_redis
    from roost.db import Database
    from roost.errors import DomainError
    from roost.timelines.rebuild import count_timelines
    from roost.timelines.rebuild import rebuild_timelines as rebuild

    settings = Settings()
    _prepare(settings)

    async def run() -> int:
        db = Database(settings.sqlalchemy_url, pool_size=1)
        redis = create_redis(settings)
        try:
            total = await count_timelines(db=db, account_id=account)
            with Progress(console=console, transient=False) as progress:
                task = progress.add_task("Rebuilding home timelines", total=total)
                return await rebuild(
                    settings=settings,
                    db=db,
                    redis=redis,
                    keys=Keys(settings.redis_prefix),
                    account_id=account,
                    advance=lambda n: progress.advance(task, n),
                )
        finally:
            if redis is not None:
                await redis.aclose()
            await db.dispose()

    try:
        done = asyncio.run(run())
    except DomainError as exc:
        errors.print(f"[red]{exc.message}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(f"Rebuilt {done} home timeline(s).")


@admin.command("reindex-search")
def reindex_search() -> None:
    """Rebuild the full-text status index from the statuses table."""
    from roost.db import Database
    from roost.search.service import reindex

    settings = Settings()
    _prepare(settings)

    async def run() -> int:
        db = Database(settings.sqlalchemy_url, pool_size=1)
        try:
            return await reindex(db=db)
        finally:
            await db.dispose()

    console.print(f"Indexed {asyncio.run(run())} status(es).")
