"""The Jinja2 environment for the application's pages (one for every language)."""

from __future__ import annotations

import jinja2

from qspace import i18n
from qspace.paths import TEMPLATES_DIR


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        enable_async=False,
        extensions=["jinja2.ext.i18n"],
    )
    # The gettext functions read the request's locale from a context variable.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = lambda value: i18n.format_when(value)
    env.filters["date"] = lambda value: i18n.format_when(value, date_only=True)
    env.globals["current_locale"] = i18n.current_locale
    return env
