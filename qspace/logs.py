"""Logging: one format for the whole server, with the id of the request being served."""

from __future__ import annotations

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def setup_logging(level: str) -> None:
    """Configure the root logger once (the CLI calls this; tests leave pytest's capture alone)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours (which carries the request id).
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("tortoise").setLevel(max(root.level, logging.WARNING))
    logging.getLogger("aerich").setLevel(max(root.level, logging.WARNING))
