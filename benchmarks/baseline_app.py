"""The baseline: a plain Starlette + Jinja2 app serving an equivalent space page from memory.

Its templates (benchmarks/baseline_templates/) produce the same HTML as qspace's default space
page today, for the same data (`datagen` reads it back from qspace): the profile, the newest
status updates and blog teasers, and the empty albums, guestbook, about, friends and visitors
modules. What it leaves out is everything qspace does on top: database queries, the ORM, skins,
translations, sessions and its middleware. uvicorn serves it with the settings `qspace serve`
uses: one worker, uvloop, httptools, uvicorn's access log off, no Server header.

With `--documents FILE` (`{"/path?query": document}`, fetched from qspace by the ActivityPub
benchmark) it also answers those paths with the document as ActivityStreams JSON, serialized
per request by Starlette's JSONResponse: `/@name` when the Accept header asks for it (as
qspace negotiates), the other paths always.

Run it as `python -m benchmarks.baseline_app --port P --fixture FILE [--documents FILE]`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TEMPLATES_DIR = Path(__file__).resolve().parent / "baseline_templates"
# The default layout of a space page and the placeholder of each empty module, as qspace shows
# them (qspace/services/layout.py, templates/modules/).
MAIN_EMPTY = [
    ("albums", "Photo albums", "albums", "No albums yet."),
    ("guestbook", "Guestbook", "guestbook", "No messages yet. Be the first!"),
]
SIDE_EMPTY = [
    ("about", "About", "", "Nothing here yet."),
    ("friends", "Friends", "friends", "No friends yet."),
    ("visitors", "Recent visitors", "", "No visitors recorded."),
]


def _objects(value: Any) -> Any:
    """JSON data as attribute objects (templates read `space.actor.ap_id`), times as datetimes."""
    if isinstance(value, dict):
        fields = {k: _objects(v) for k, v in value.items()}
        if isinstance(fields.get("published_at"), str):
            fields["published_at"] = datetime.fromisoformat(fields["published_at"])
        return SimpleNamespace(**fields)
    if isinstance(value, list):
        return [_objects(v) for v in value]
    return value


def _module(
    module: str, title: str, more_url: str, *, items: Any = (), empty: str = ""
) -> dict[str, Any]:
    return {"id": module, "title": title, "more_url": more_url, "items": items, "empty_text": empty}


def short_datetime(value: datetime) -> str:
    """The short date and time qspace shows in English (CLDR "M/d/yy, h:mm a", as Babel)."""
    hour = value.hour % 12 or 12
    return f"{value.month}/{value.day}/{value:%y}, {hour}:{value:%M}\u202f{value:%p}"


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """A Jinja2 environment with the options of qspace's (qspace/templating.py)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["datetime"] = short_datetime
    return env


ACTIVITY_JSON = "application/activity+json; charset=utf-8"


def wants_activity_json(accept: str) -> bool:
    """A plain app's content negotiation: the ActivityStreams types named in Accept."""
    return "application/activity+json" in accept or "application/ld+json" in accept


def create_app(
    fixture: dict[str, Any],
    templates_dir: Path = TEMPLATES_DIR,
    documents: dict[str, Any] | None = None,
) -> Starlette:
    """The baseline app for one fixture (as written by `datagen`) and optionally ActivityPub
    documents by path; everything stays in memory."""
    env = make_environment(templates_dir)
    documents = documents or {}
    spaces = _objects(fixture["spaces"])
    pages = {name: _objects(page) for name, page in fixture["pages"].items()}
    site = {"site_name": fixture["site_name"], "base_url": fixture["base_url"]}

    def render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
        page = env.get_template(template)
        return HTMLResponse(page.render({**site, "request_path": request.url.path, **context}))

    async def front_page(request: Request) -> Response:
        return render(request, "index.html", {"spaces": spaces})

    async def activity_document(request: Request) -> Response:
        query = request.url.query
        document = documents.get(f"{request.url.path}?{query}" if query else request.url.path)
        if document is None:
            return PlainTextResponse("No such document.", status_code=404)
        return JSONResponse(document, media_type=ACTIVITY_JSON, headers={"Vary": "Accept"})

    async def space_page(request: Request) -> Response:
        if documents and wants_activity_json(request.headers.get("accept", "")):
            return await activity_document(request)
        name = request.path_params["name"].lower()
        if name not in pages:
            return PlainTextResponse("No such space.", status_code=404)
        page = pages[name]
        main = [
            _module("statuses", "Status updates", "", items=page.statuses),
            _module("blog", "Blog", f"/@{name}/blog", items=page.posts),
            *(_module(i, t, f"/@{name}/{m}" if m else "", empty=e) for i, t, m, e in MAIN_EMPTY),
        ]
        side = [_module(i, t, f"/@{name}/{m}" if m else "", empty=e) for i, t, m, e in SIDE_EMPTY]
        context = {"space": page.space, "main_modules": main, "side_modules": side}
        return render(request, "space.html", context)

    async def plain_json(request: Request) -> Response:
        # The same body as qspace's /healthz, without its database round trip.
        return JSONResponse({"status": "ok", "database": "ok"})

    return Starlette(
        routes=[
            Route("/", front_page),
            Route("/healthz", plain_json),
            Route("/@{name}", space_page),
            Route("/@{name}/outbox", activity_document),
            Route("/@{name}/status/{item_id}", activity_document),
        ]
    )


def uvicorn_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    """uvicorn settings matching `qspace serve` (qspace/cli/server.py), with the loop and HTTP
    parser it picks on Linux ("auto" means uvloop and httptools when installed) made explicit."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=1,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the baseline app until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fixture", type=Path, required=True, help="written by datagen")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR)
    parser.add_argument("--documents", type=Path, help="ActivityPub documents by path")
    args = parser.parse_args(argv)
    fixture = json.loads(args.fixture.read_text(encoding="utf-8"))
    documents = json.loads(args.documents.read_text(encoding="utf-8")) if args.documents else None
    server = uvicorn.Server(
        uvicorn_config(create_app(fixture, args.templates, documents), args.host, args.port)
    )
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
