"""Record an event in the caller's transaction (the write half of commit-then-publish)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.database import remember_after_commit
from roost.db.metadata import utcnow
from roost.events.schema import outbox
from roost.ids import new_id
from roost.observability.tracing import capture as capture_trace


@dataclass(frozen=True)
class Event:
    """One state change others must hear about. ``payload`` holds ids, never rendered data.

    ``trace`` is the W3C trace context (``traceparent``, ``tracestate``) and request id
    current when the event was made, so the worker handling it continues that trace
    (``observability.handling``); empty outside any request or handler.
    """

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime = field(default_factory=utcnow)
    trace: dict[str, str] = field(default_factory=capture_trace, compare=False)

    def encode(self) -> bytes:
        raw: dict[str, Any] = {"id": self.id, "kind": self.kind, "payload": self.payload,
                               "created_at": self.created_at.isoformat()}  # fmt: skip
        if self.trace:
            raw["trace"] = self.trace
        return orjson.dumps(raw)

    @classmethod
    def decode(cls, data: bytes | str) -> Event:
        raw = orjson.loads(data)
        return cls(
            id=int(raw["id"]),
            kind=raw["kind"],
            payload=raw["payload"],
            created_at=datetime.fromisoformat(raw["created_at"]),
            trace=raw.get("trace") or {},
        )


async def record_event(conn: AsyncConnection, *, kind: str, payload: dict[str, Any]) -> Event:
    """Insert the event into the outbox inside the caller's (still open) transaction.

    The event is also remembered on the connection, so that ``Database.write`` hands it
    to the publisher once (and only if) the transaction commits.
    """
    event = Event(id=new_id(), kind=kind, payload=payload)
    await conn.execute(
        insert(outbox).values(
            id=event.id,
            kind=event.kind,
            payload=orjson.dumps(event.payload).decode(),
            created_at=event.created_at,
            trace_context=orjson.dumps(event.trace).decode() if event.trace else None,
        )
    )
    remember_after_commit(conn, event)
    return event
