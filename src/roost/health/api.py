"""GET /health (level and breakers), /livez (process up), /readyz (can serve)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from roost.health.readiness import Readiness
from roost.web.responses import json_response
from roost.web.state import get_state

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> Any:
    """The degradation level and every dependency's breaker (always 200: it informs)."""
    return json_response(get_state(request).dependencies.snapshot())


@router.get("/livez")
async def livez() -> Any:
    """200 while the process runs: restart it only when this fails."""
    return json_response({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> Any:
    """200 when this process can serve; 503 + Retry-After takes it out of rotation."""
    state = get_state(request)
    readiness: Readiness | None = getattr(request.app.state, "readiness", None)
    if readiness is None:
        readiness = request.app.state.readiness = Readiness()
    verdict = await readiness.check(state.settings, state.db, state.dependencies)
    body = {
        "ready": verdict.ready,
        "level": int(state.dependencies.level()),
        "reason": verdict.reason,
    }
    if verdict.ready:
        return json_response(body)
    return json_response(body, status_code=503, headers={"Retry-After": str(verdict.retry_after)})
