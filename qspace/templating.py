"""The Jinja2 environment for the application's pages."""

from __future__ import annotations

import jinja2

from qspace.paths import TEMPLATES_DIR


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        enable_async=False,
    )
    env.filters["datetime"] = lambda value: value.strftime("%Y-%m-%d %H:%M") if value else ""
    env.filters["date"] = lambda value: value.strftime("%Y-%m-%d") if value else ""
    return env
