"""Rendering pages: the template plus what every page needs (who is logged in, CSRF token)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from qspace.i18n import gettext as _
from qspace.models import Notification, Space
from qspace.services.audience import ANONYMOUS, Viewer, viewer_for
from qspace.services.errors import NotFound, ServiceError
from qspace.web.session import Auth, get_auth


class LoginRequired(ServiceError):
    """The page needs a logged-in person; browsers are sent to the login page."""

    status = 401

    def __init__(self) -> None:
        super().__init__(_("Log in to continue."))


async def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render `template` for this request: adds the site, the viewer and their CSRF token."""
    services = request.app.state.services
    auth = await get_auth(request)
    unread = 0
    if auth.space is not None:
        unread = await Notification.filter(recipient_id=auth.space.id, read_at=None).count()
    full = {
        "unread_count": unread,
        "site_name": services.settings.server.domain,
        "base_url": services.settings.base_url,
        "request_path": request.url.path,
        "me": auth.account,
        "my_space": auth.space,
        "csrf_token": auth.session.csrf_secret if auth.session else "",
        **context,
    }
    html = services.templates.get_template(template).render(full)
    return HTMLResponse(html, status_code=status_code)


async def require_login(request: Request) -> Auth:
    """The Auth of a logged-in request; raises LoginRequired otherwise."""
    auth = await get_auth(request)
    if auth.account is None:
        raise LoginRequired()
    return auth


async def require_admin(request: Request) -> Auth:
    """The Auth of a logged-in admin; anyone else gets 404 (admin pages are not advertised)."""
    auth = await require_login(request)
    if auth.account is None or not auth.account.is_admin:
        raise NotFound(_("No such page."))
    return auth


async def viewer_of(request: Request) -> Viewer:
    """The audience-rule Viewer of this request (cached): anonymous, or the logged-in person
    acting as their first space, with the relations the rule needs."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    auth = await get_auth(request)
    if auth.account is None or auth.space is None:
        viewer = ANONYMOUS
    else:
        own = await Space.filter(owner_id=auth.account.id).values_list("id", flat=True)
        viewer = await viewer_for(auth.space.actor, own_space_ids=list(own))
    request.state.viewer = viewer
    return viewer
