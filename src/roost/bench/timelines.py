"""Materialize the seeded accounts' home timelines with the timeline engine's own code.

The seed writes rows straight into the database, so no event ever reached the
fan-out workers: the home timelines are built afterwards, by ``roost admin
rebuild-timelines`` when the CLI has it, else by ``Engine.rebuild`` for each account
active within ``active_days`` (the ones fan-out delivers to).
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from roost.settings import Settings


def _cli_has_rebuild() -> bool:
    from roost import cli

    return any(command.name == "rebuild-timelines" for command in cli.admin.registered_commands)


def materialize_home_timelines(settings: Settings, console: Console) -> bool:
    """Build every active account's home timeline; False when there is no engine yet."""
    if _cli_has_rebuild():
        command = [sys.executable, "-m", "roost", "admin", "rebuild-timelines"]
        console.print("Materializing home timelines: roost admin rebuild-timelines")
        subprocess.run(command, check=True)
        return True
    try:
        engine_module = importlib.import_module("roost.timelines.engine")
    except ModuleNotFoundError:
        console.print("No timeline engine yet: home timelines are read with the database query.")
        return False
    asyncio.run(_rebuild_active(settings, console, engine_module))
    return True


async def _rebuild_active(settings: Settings, console: Console, engine_module: object) -> None:
    from roost.accounts.schema import accounts
    from roost.cache.keys import Keys
    from roost.cache.redis_client import create_redis
    from roost.db import Database
    from roost.db.metadata import utcnow

    db = Database(settings.sqlalchemy_url, pool_size=8)
    redis = create_redis(settings)
    since = utcnow() - timedelta(days=settings.active_days)
    try:
        engine = engine_module.engine(  # type: ignore[attr-defined]
            settings=settings, db=db, redis=redis, keys=Keys(settings.redis_prefix)
        )
        async with db.read() as conn:
            ids = list(
                (
                    await conn.execute(
                        select(accounts.c.id).where(accounts.c.last_active_at >= since)
                    )
                ).scalars()
            )
        columns = (
            TextColumn("home timelines"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        queue: asyncio.Queue[int] = asyncio.Queue()
        for account_id in ids:
            queue.put_nowait(account_id)
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("rebuild", total=len(ids))

            async def work() -> None:
                while not queue.empty():
                    await engine.rebuild(queue.get_nowait())
                    progress.advance(task)

            await asyncio.gather(*(work() for _ in range(6)))
    finally:
        if redis is not None:
            await redis.aclose()
        await db.dispose()
