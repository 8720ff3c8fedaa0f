"""schemathesis against Roost's own OpenAPI document: every operation, signed in, both backends.

Run: ``uv run pytest -p no:randomly -n 0 -s tests/fuzz`` (``-s`` prints the run's figures).

Notes on design: the run goes through schemathesis' engine (what ``st run`` uses) rather than
its pytest plugin, whose lazy-schema loader (needed for a schema that depends on fixtures)
does not work with pytest 9 (it writes ``node._nodeid``, which pytest 9 removed). One test per
backend runs every operation through the examples, coverage and fuzzing phases, in process
(schemathesis' ASGI client runs the app's lifespan and workers on its own event loop), with a
fixed seed and ``deterministic`` generation so CI sees the same cases every run. The stateful
phase is off: it would triple the run time for links the document does not declare.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from roost.app import create_app
from roost.db import Database
from roost.settings import Settings
from tests.conftest import _delete_redis_prefix, _truncate_postgres
from tests.fuzz.hooks import install_hooks
from tests.fuzz.seed import World, build_world

# Cases per operation in the fuzzing phase (the coverage phase adds its own boundary cases):
# about 3,000 cases and 1-2 minutes per backend on a 2-core machine.
MAX_EXAMPLES = 10
SEED = 5


def fuzz_config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # NUL characters are refused at the edge wherever they are (422, even in a
                # property no schema names); tests/test_null_characters.py covers them.
                "allow-x00": False,
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
                "response_headers_conformance": {"enabled": True},
                "negative_data_rejection": {"enabled": True},
                "positive_data_acceptance": {"enabled": True},
            },
            "max-stream-events": 1,
            "operations": [
                # An event stream never ends: read its first event, or what it sent in its
                # first half second (headers, the opening comment), then hang up.
                {"include-path-regex": "^/api/v1/streaming/.", "request-timeout": 0.5},
                # Whether these accept a schema-valid request depends on credentials, stored
                # state or rules a schema cannot state (an image file, a known redirect URI,
                # a free username, a status with text or media): a 4xx there is no finding.
                {
                    "include-path-regex": "^/oauth/|^/api/v[12]/(media|apps)|"
                    "^/api/v1/accounts$|^/api/v1/statuses$",
                    "checks": {"positive_data_acceptance": {"enabled": False}},
                },
            ],
            "workers": 1,
            "request-timeout": 5,
        }
    )


async def _clean_postgres(settings: Settings) -> None:
    db = Database(settings.sqlalchemy_url)
    try:
        await _truncate_postgres(db)
    finally:
        await db.dispose()


@pytest.fixture
def fuzz_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with its workers, its lifespan run by schemathesis' in-process client."""
    if settings.database_url:
        asyncio.run(_clean_postgres(settings))
    app = create_app(settings, run_workers=True)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()
        if settings.redis_url:
            asyncio.run(_delete_redis_prefix(settings))


@pytest.fixture
def fuzz_world(fuzz_app: Any) -> World:
    with asgi.get_client(fuzz_app) as session:
        return build_world(session)


@pytest.fixture
def fuzz_schema(fuzz_app: FastAPI, fuzz_world: World) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=fuzz_config())
    schema.config.update(headers=fuzz_world.auth)
    install_hooks(schema, fuzz_world)
    return schema


def _failure_report(event: events.ScenarioFinished) -> list[str]:
    return [
        f"{event.label}: {check.failure_info.failure.title}\n"
        f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
        for checks in event.recorder.checks.values()
        for check in checks
        if check.failure_info is not None
    ]


def test_every_operation(fuzz_schema: Any) -> None:
    """Every documented operation, fuzzed: no 5xx, every response as documented."""
    started = time.monotonic()
    operations: set[str] = set()
    cases = 0
    failures: list[str] = []
    errors: list[str] = []
    for event in schemathesis.engine.from_schema(fuzz_schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.label:
            operations.add(event.label)
            cases += len(event.recorder.cases)
            if event.status == Status.FAILURE:
                failures.extend(_failure_report(event))
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            errors.append(repr(event.exception))
    documented = len(fuzz_schema.raw_schema["paths"])
    # The figures for the operations guide: `pytest -s` shows them.
    print(
        f"\nfuzz: {len(operations)} operations ({documented} paths), {cases} cases, "
        f"{len(failures)} failures, {time.monotonic() - started:.0f} s"
    )
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)
