"""``roost bench``: seed a realistic network, then measure reads, fan-out and latency."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import typer
from rich.console import Console

from roost.settings import Settings

bench_app = typer.Typer(help="Workload generator and benchmarks.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

DEFAULT_TOKENS = Path("bench/results/tokens.txt")


@bench_app.command()
def seed(
    users: int = typer.Option(10_000, help="Accounts to create."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same network."),
    statuses_per_user_avg: float = typer.Option(20.0, help="Average statuses per account."),
    following_median: float = typer.Option(25.0, help="Median number of accounts followed."),
    favourites_per_user_avg: float = typer.Option(15.0, help="Average favourites per account."),
    days: int = typer.Option(14, help="History spread over this many past days."),
    tokens_file: Path = typer.Option(DEFAULT_TOKENS, help="Where to write the access tokens."),
    reset: bool = typer.Option(
        False, help="Delete every row (and this prefix's Redis keys) first."
    ),
    now_ms: int = typer.Option(0, hidden=True, help="Pin 'now' (tests: identical ids per seed)."),
) -> None:
    """Build a social graph and history directly in the configured database."""
    from roost.bench.graph import Shape, generate
    from roost.bench.seed import NotEmpty, seed_database
    from roost.bench.timelines import materialize_home_timelines
    from roost.cli import _prepare

    settings = Settings()
    _prepare(settings)
    shape = Shape(
        users=users,
        seed=seed,
        days=days,
        statuses_per_user_avg=statuses_per_user_avg,
        following_median=following_median,
        favourites_per_user_avg=favourites_per_user_avg,
    )
    started = time.perf_counter()
    with console.status(f"Generating {users} accounts and their history (seed {seed})"):
        network = generate(shape, now_ms=now_ms or time.time_ns() // 1_000_000)
    console.print(
        f"Generated {len(network.accounts)} accounts, {len(network.follows)} follows, "
        f"{len(network.statuses)} statuses, {len(network.favourites)} favourites "
        f"in {time.perf_counter() - started:.1f} s"
    )
    try:
        result = asyncio.run(
            seed_database(
                settings=settings,
                network=network,
                tokens_file=tokens_file,
                reset=reset,
                console=console,
            )
        )
    except NotEmpty as exc:
        errors.print(f"[red]Not seeding: {exc}. Use --reset on a bench database.[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"Seeded in {time.perf_counter() - started:.1f} s; tokens in {result.tokens_file} "
        "(every account's password is the same, precomputed argon2 hash)."
    )
    materialize_home_timelines(settings, console)


def _tokens_for(settings: Settings, tokens_file: Path | None) -> Path:
    from roost.bench.results import deployment

    if tokens_file is not None:
        return tokens_file
    name = "sqlite" if deployment(settings) == "sqlite" else "postgres"
    return DEFAULT_TOKENS.with_name(f"tokens-{name}.txt")


@bench_app.command()
def reads(
    duration: int = typer.Option(20, help="Seconds measured per route."),
    concurrency: int = typer.Option(32, help="Open connections (wrk -c)."),
    warmup: int = typer.Option(3, help="Warm-up seconds per route (not recorded)."),
    tokens_file: Path | None = typer.Option(
        None, help="Tokens from `roost bench seed` (default bench/results/tokens-<db>.txt)."
    ),
    name: str | None = typer.Option(None, help="Result name (default reads-<deployment>)."),
) -> None:
    """Home-timeline reads vs the SQL pull query vs a from-memory page, over HTTP with wrk."""
    from roost.bench.reads import bench_reads
    from roost.bench.results import deployment, save
    from roost.cli import _prepare

    settings = Settings()
    _prepare(settings)
    kind = deployment(settings)
    tokens = _tokens_for(settings, tokens_file)
    console.print(f"Reads on {kind}, tokens from {tokens}")
    data = bench_reads(
        tokens_file=tokens,
        duration=duration,
        concurrency=concurrency,
        warmup=warmup,
        console=console,
    )
    data["deployment"] = kind
    data["seeded"] = _seeded_counts(settings)
    path = save(name or f"reads-{kind}", data)
    console.print(f"Ratios {data['ratios']}; written to {path}")


def _seeded_counts(settings: Settings) -> dict[str, int]:
    """Row counts of the measured database (what the figures were measured on)."""
    from sqlalchemy import func, select

    from roost.accounts.schema import accounts, follows
    from roost.db import Database
    from roost.statuses.schema import favourites, statuses

    async def count() -> dict[str, int]:
        db = Database(settings.sqlalchemy_url, pool_size=1)
        try:
            async with db.read() as conn:
                return {
                    str(table.name): (
                        await conn.execute(select(func.count()).select_from(table))
                    ).scalar_one()
                    for table in (accounts, follows, statuses, favourites)
                }
        finally:
            await db.dispose()

    return asyncio.run(count())


@bench_app.command()
def report() -> None:
    """Write bench/results/REPORT.md from the JSON results there."""
    from roost.bench.report import write_report

    path = write_report()
    console.print(f"Wrote {path}")


@bench_app.command()
def fanout(
    authors: int = typer.Option(20, help="Most-followed authors under the threshold who post."),
    posts_per_author: int = typer.Option(2, help="Statuses each of them posts in the burst."),
    rate: float = typer.Option(50.0, help="Posts per second in the latency run."),
    latency_seconds: float = typer.Option(20.0, help="Length of the latency run."),
    timeout: float = typer.Option(120.0, help="Give up waiting for the fan-out after this."),
    tokens_file: Path | None = typer.Option(None, help="Tokens from `roost bench seed`."),
    name: str | None = typer.Option(None, help="Result name (default fanout-<deployment>)."),
) -> None:
    """Fan-out deliveries/s of one worker process beside redis-benchmark, Redis memory per
    entry, and post-to-visible latency at a steady posting rate (PostgreSQL + Redis)."""
    from roost.bench import fanout as bench
    from roost.bench.results import deployment, save
    from roost.bench.server import bench_server, free_port, worker_process
    from roost.cli import _prepare

    settings = Settings()
    if settings.redis_url is None or settings.database_url is None:
        errors.print(
            "[red]The fan-out benchmark needs ROOST_DATABASE_URL and ROOST_REDIS_URL.[/red]"
        )
        raise typer.Exit(1)
    _prepare(settings)
    tokens = bench.read_tokens(_tokens_for(settings, tokens_file))
    memory = asyncio.run(bench.memory_per_entry(settings))
    if not memory["home_keys"]:
        errors.print("[red]No home timelines in Redis: run `roost admin rebuild-timelines`.[/red]")
        raise typer.Exit(1)
    console.print(f"Redis memory: {memory['bytes_per_entry']} bytes per entry")
    console.print("redis-benchmark -P 16 (ZADD, APPEND) on the same Redis")
    ceiling = bench.redis_benchmark(settings)
    console.print(
        "  " + ", ".join(f"{k} {v['requests_per_second']:.0f}/s" for k, v in ceiling.items())
    )
    console.print("delivery script alone (batches of 1,000, scratch keys)")
    store = asyncio.run(bench.measure_store(settings))
    console.print(f"  {store['deliveries_per_second']:.0f} deliveries/s")
    with bench_server(port=free_port()) as base, worker_process(queues="timelines") as worker:
        time.sleep(3)  # let the worker connect and join its consumer group
        burst = asyncio.run(
            bench.measure_fanout(
                settings=settings,
                base_url=base,
                tokens=tokens,
                authors=authors,
                posts_per_author=posts_per_author,
                wait_seconds=timeout,
                console=console,
                worker_pid=worker.pid,
            )
        )
        latency = asyncio.run(
            bench.measure_latency(
                settings=settings,
                base_url=base,
                tokens=tokens,
                rate=rate,
                duration=latency_seconds,
                console=console,
            )
        )
    memory["bytes_per_entry_after_run"] = asyncio.run(bench.memory_per_entry(settings))[
        "bytes_per_entry"
    ]
    zadd = ceiling["zadd"]["requests_per_second"]
    data = {
        "deployment": deployment(settings),
        "settings": {
            "fanout_threshold": settings.fanout_threshold,
            "fanout_batch_size": settings.fanout_batch_size,
            "timeline_cap": settings.timeline_cap,
            "active_days": settings.active_days,
        },
        "fanout": burst,
        "redis_benchmark": ceiling,
        "fanout_over_redis_zadd": round(burst["deliveries_per_second"] / zadd, 3),
        "fanout_over_redis_zadd_one_member": round(
            burst["deliveries_per_second"] / ceiling["zadd_one_member"]["requests_per_second"], 3
        ),
        "store": store,
        "store_over_redis_zadd": round(store["deliveries_per_second"] / zadd, 3),
        "memory": memory,
        "latency": latency,
        "seeded": _seeded_counts(settings),
    }
    path = save(name or f"fanout-{deployment(settings)}", data)
    console.print(
        f"fan-out / redis ZADD = {data['fanout_over_redis_zadd']} (one-member ZADD: "
        f"{data['fanout_over_redis_zadd_one_member']}); written to {path}"
    )
