"""The application factory: `create_app(settings)` returns the Starlette app of one server."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote

import httpx
import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from tortoise.context import TortoiseContext

from federation.fetch import Fetcher
from federation.ssrf import GuardedTransport, Resolver
from qspace.db import DatabaseScope, open_database, use_database
from qspace.jobs.runner import JobRunner
from qspace.jobs.steps import job_steps
from qspace.services.errors import ServiceError
from qspace.services.inbox_writer import InboxWriter
from qspace.services.keyring import KeyRing
from qspace.services.remote_actors import RemoteActors
from qspace.settings import Settings
from qspace.templating import make_environment
from qspace.urls import Urls
from qspace.web.document_cache import DocumentCache, DocumentCacheMiddleware
from qspace.web.inbox_lane import InboxLaneMiddleware
from qspace.web.middleware import (
    BodySizeLimitMiddleware,
    LocaleMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from qspace.web.page_cache import PageCache
from qspace.web.render import LoginRequired, page
from qspace.web.routes import routes
from qspace.web.session import SessionCookieMiddleware

log = logging.getLogger("qspace")

try:
    VERSION = version("qspace")
except PackageNotFoundError:  # running from a checkout that was not installed
    VERSION = "0.0.0"


@dataclass
class Services:
    """Runtime objects shared by the whole app (on `app.state.services`)."""

    settings: Settings
    urls: Urls
    templates: jinja2.Environment
    http: httpx.AsyncClient
    runner: JobRunner
    # Federation: this server's signing keys, the SSRF-guarded signed fetcher, remote actors.
    keys: KeyRing
    fetcher: Fetcher
    remote_actors: RemoteActors
    # Rendered space pages for anonymous visitors (see web/page_cache.py).
    page_cache: PageCache = field(default_factory=PageCache)
    # Public ActivityPub documents, for a moment (see web/document_cache.py).
    document_cache: DocumentCache = field(default_factory=DocumentCache)
    # Received activities, stored in groups (see services/inbox_writer.py).
    inbox_writer: InboxWriter = field(default_factory=InboxWriter)
    db: TortoiseContext | None = None
    owns_db: bool = True
    owns_http: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The installed qspace version (NodeInfo, User-Agent)."""
        return VERSION

    @property
    def user_agent(self) -> str:
        return f"qspace/{VERSION} (+{self.settings.base_url}/)"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "html" not in accept


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, LoginRequired) and request.method == "GET" and not _wants_json(request):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return await _error_response(request, exc.status, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return await _error_response(request, exc.status_code, exc.detail or "Error")


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return await _error_response(request, 500, "Something went wrong on this server.")


async def _error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    try:
        response: Response = await page(
            request, "pages/error.html", {"status": status, "message": message}, status_code=status
        )
    except Exception:  # the error page itself failed (e.g. the database is down)
        response = PlainTextResponse(f"{status}: {message}", status_code=status)
    if headers:
        response.headers.update(headers)
    return response


def guarded_client(settings: Settings, resolver: Resolver | None = None) -> httpx.AsyncClient:
    """The outgoing HTTP client: every request (redirects included) passes the SSRF guard."""
    transport = GuardedTransport(
        httpx.AsyncHTTPTransport(), allow_http=settings.federation.allow_http, resolver=resolver
    )
    return httpx.AsyncClient(transport=transport, timeout=settings.federation.http_timeout)


def build_services(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    database: TortoiseContext | None = None,
    resolver: Resolver | None = None,
) -> Services:
    """The runtime objects of one server (the web app and `qspace worker` both use them).

    `http_client` replaces the SSRF-guarded client (tests route it to other in-process apps);
    `resolver` replaces DNS for the guard's address checks (tests map *.test names).
    """
    urls = Urls(settings.base_url)
    http = http_client or guarded_client(settings, resolver)
    keys = KeyRing(urls)
    fetcher = Fetcher(
        http,
        user_agent=f"qspace/{VERSION} (+{settings.base_url}/)",
        sign=keys.sign_as_instance,
        allow_http=settings.federation.allow_http,
        resolver=resolver,
        timeout=settings.federation.http_timeout,
    )
    services = Services(
        settings=settings,
        urls=urls,
        templates=make_environment(),
        http=http,
        runner=JobRunner([]),
        keys=keys,
        fetcher=fetcher,
        remote_actors=RemoteActors(fetcher, keys, urls),
        db=database,
        owns_db=database is None,
        owns_http=http_client is None,
    )
    services.runner.steps = job_steps(services)
    return services


def create_app(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    database: TortoiseContext | None = None,
    run_worker: bool | None = None,
    resolver: Resolver | None = None,
) -> Starlette:
    """Build the app. Pass `database` (an open context) or `http_client` to share them (tests);
    the app then leaves closing them to the caller. `run_worker` overrides server.run_worker;
    `resolver` replaces DNS in the SSRF guard (tests)."""
    services = build_services(
        settings, http_client=http_client, database=database, resolver=resolver
    )
    start_worker = settings.server.run_worker if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if services.db is None:
            services.db = await open_database(settings)
        with use_database(services.db):
            if start_worker:
                services.runner.start()
            try:
                yield
            finally:
                # uvicorn has stopped taking requests and finished the in-flight ones by now;
                # let the job runner finish its current cycle before the database closes.
                await services.runner.stop(timeout=settings.server.shutdown_timeout)
                if services.owns_http:
                    await services.http.aclose()
                if services.owns_db and services.db is not None:
                    await services.db.close_connections()
                    services.db = None

    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIdMiddleware, log_requests=settings.log.access_log),
            Middleware(SecurityHeadersMiddleware, https=settings.server.scheme == "https"),
            Middleware(InboxLaneMiddleware, get_context=lambda: services.db),
            Middleware(DocumentCacheMiddleware, cache=services.document_cache),
            Middleware(LocaleMiddleware),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.media.max_upload_bytes),
            Middleware(DatabaseScope, get_context=lambda: services.db),
            Middleware(SessionCookieMiddleware, settings=settings),
        ],
        exception_handlers={
            ServiceError: _service_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.services = services
    return app
