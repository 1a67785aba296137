"""The Jinja2 environment for the application's pages."""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

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


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render `template` with the request-wide context (site, viewer) plus `context`."""
    services = request.app.state.services
    page = services.templates.get_template(template)
    full = {
        "site_name": services.settings.server.domain,
        "base_url": services.settings.base_url,
        "request_path": request.url.path,
        **context,
    }
    return HTMLResponse(page.render(full), status_code=status_code)
