"""Languages: English and Simplified Chinese, picked per request.

The person's own setting wins, then the browser's Accept-Language. Translations are Babel
catalogs (`qspace/locale/<lang>/LC_MESSAGES/messages.po`), read once at start-up; the current
locale lives in a context variable, so one Jinja environment serves every language.
"""

from __future__ import annotations

import contextvars
import gettext as gettext_module
import io
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "en"
SUPPORTED = ("en", "zh_CN")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)


@cache
def _translations(locale: str) -> gettext_module.NullTranslations:
    """The catalog of `locale`, compiled in memory from its .po file (no .mo build step)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po.exists():
        return gettext_module.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The locale to use: the person's setting if supported, else the best Accept-Language
    match (zh, zh-CN, zh-Hans... -> zh_CN), else English."""
    if preferred in SUPPORTED:
        return str(preferred)
    for tag, _q in _parse_accept(accept_language or ""):
        try:
            locale = Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
        if (
            locale.language == "zh"
            and locale.territory in (None, "CN", "SG")
            and locale.script in (None, "Hans")
        ):
            return "zh_CN"
        if locale.language == "en":
            return "en"
    return DEFAULT_LOCALE


def _parse_accept(header: str) -> list[tuple[str, float]]:
    parsed: list[tuple[str, float]] = []
    for part in header.split(",")[:20]:
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag.strip() != "*" and q > 0:
            parsed.append((tag.strip(), q))
    return sorted(parsed, key=lambda item: -item[1])


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


def reset_locale(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current_locale() -> str:
    return _current.get()


def gettext(message: str) -> str:
    """`message` in the current request's language (English when there is no translation)."""
    return _translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, by the current language's plural rule."""
    return _translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it: for module-level constants,
    which are read before any request has a language; call gettext() on them at use."""
    return message


def format_when(moment: datetime | None, *, date_only: bool = False) -> str:
    """A date (and time) written the way the viewer's language writes it."""
    if moment is None:
        return ""
    locale = _current.get()
    if date_only:
        return format_date(moment, format="medium", locale=locale)
    return format_datetime(moment, format="short" if locale == "en" else "medium", locale=locale)
