"""A space's profile and settings: names, bio, mood, who may interact, the visitor log."""

from __future__ import annotations

from qspace.i18n import N_
from qspace.i18n import gettext as _
from qspace.models import Account, Actor, Media, Space
from qspace.services import policy
from qspace.services.errors import ServiceError
from qspace.services.text import render_text
from qspace.urls import Urls

LIMITS = {"display_name": 100, "bio": 2000, "mood": 100}
# One whole sentence per field (translations need their own word order).
TOO_LONG = {
    "display_name": N_("The display name may have at most %(count)d characters."),
    "bio": N_("The bio may have at most %(count)d characters."),
    "mood": N_("The mood may have at most %(count)d characters."),
}


async def update_profile(
    urls: Urls, space: Space, *, display_name: str, bio: str, mood: str
) -> None:
    """Change the profile shown on the space page (and, via the actor, to other servers)."""
    values = {"display_name": display_name.strip(), "bio": bio.strip(), "mood": mood.strip()}
    for field, value in values.items():
        if len(value) > LIMITS[field]:
            raise ServiceError(_(TOO_LONG[field]) % {"count": LIMITS[field]})
    space.display_name = values["display_name"] or space.name
    space.bio = values["bio"]
    space.mood = values["mood"]
    await space.save(update_fields=["display_name", "bio", "mood", "updated_at"])
    bio_html = (await render_text(urls, space.bio, tag_space=space.name)).html if space.bio else ""
    await Actor.filter(id=space.actor_id).update(
        display_name=space.display_name, summary_html=bio_html
    )


async def update_settings(
    space: Space,
    *,
    policy_values: dict[str, str],
    visitor_log_enabled: bool,
    guestbook_moderated: bool,
    auto_accept_follows: bool,
    hide_social_graph: bool,
) -> None:
    space.policy = policy.clean_policy(policy_values)
    space.visitor_log_enabled = visitor_log_enabled
    space.guestbook_moderated = guestbook_moderated
    space.auto_accept_follows = auto_accept_follows
    space.hide_social_graph = hide_social_graph
    await space.save()
    await Actor.filter(id=space.actor_id).update(manually_approves=not auto_accept_follows)


async def update_account_preferences(
    account: Account, *, record_visits: bool, locale: str | None
) -> None:
    account.record_visits = record_visits
    account.locale = locale if locale in ("en", "zh_CN") else None
    await account.save(update_fields=["record_visits", "locale"])


async def current_image(space: Space, role: str) -> Media | None:
    """The newest avatar/banner/background media of the space."""
    return await Media.filter(owner_id=space.id, role=role).order_by("-id").first()
