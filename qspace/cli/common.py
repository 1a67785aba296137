"""What every CLI command shares: loading settings, opening the database, reading secrets."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from qspace.services.errors import ServiceError
from qspace.settings import Settings, load_settings

try:  # an optional speed-up, absent on some platforms
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


class CommandError(Exception):
    """A command that cannot go on; the message is printed, the exit code returned."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, os.environ)


def run_async(coro: Awaitable[Any]) -> Any:
    """Run a coroutine on uvloop when available, else on asyncio's own loop."""
    if uvloop is None:  # pragma: no cover
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ServiceError as exc:
        raise CommandError(exc.message) from None


def read_secret_file(path: str) -> str:
    """The first line of a file (or of standard input for "-"), without its newline."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read password file {path}: {exc.strerror}", 2) from None
    secret = text.splitlines()[0] if text else ""
    if not secret:
        raise CommandError(f"password file {path} is empty", 2)
    return secret
