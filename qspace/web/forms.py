"""Form endpoints: every state-changing request from a browser goes through `form_endpoint`,
which parses the form (bounded) and checks the CSRF token before the handler runs."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from qspace.i18n import gettext as _
from qspace.services.errors import ServiceError
from qspace.web.session import check_csrf

FormHandler = Callable[[Request, FormData], Awaitable[Response]]

MAX_FIELDS = 200
MAX_FILES = 20


async def read_form(request: Request) -> FormData:
    """Parse a urlencoded or multipart form. Multipart files are spooled to disk by Starlette;
    the body size itself is capped earlier by BodySizeLimitMiddleware."""
    try:
        return await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    except ServiceError:  # e.g. the body passed the size limit while streaming (413)
        raise
    except Exception as exc:  # malformed multipart, too many parts, bad encoding
        raise ServiceError(_("The form could not be read: %(reason)s") % {"reason": exc}) from None


def form_endpoint(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a POST handler: parse the form, check CSRF (403 if missing or wrong), then run it."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        form = await read_form(request)
        try:
            token = form.get("csrf_token")
            await check_csrf(request, token if isinstance(token, str) else None)
            return await handler(request, form)
        finally:
            await form.close()

    endpoint.csrf_protected = True  # type: ignore[attr-defined]
    return endpoint


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value if isinstance(value, str) else default


def files(form: FormData, name: str) -> list[UploadFile]:
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "true", "1", "yes")


def redirect(url: str) -> Response:
    """After a successful POST: see-other to a page (the browser then GETs it)."""
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """A redirect target from a form or query: only local paths, never another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
