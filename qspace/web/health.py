"""The health endpoint for monitors and orchestrators."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise.context import require_context

log = logging.getLogger("qspace.health")


async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 (with the reason) when it does not."""
    try:
        await require_context().db().execute_query("SELECT 1")
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
