"""Render a pack's module override: sandboxed, budgeted, and cleaned by an HTML allowlist."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

from bleach.sanitizer import Cleaner

from qspace.themes.limits import MODULES, TEMPLATES_DIR, is_allowed_template
from qspace.themes.packs import ThemePack, asset_path, asset_url
from qspace.themes.problems import ThemeRenderError
from qspace.themes.sandbox import ThemeSandbox, make_environment, plain_context, render_budgeted

_TAGS: Final = frozenset(
    {"a", "abbr", "article", "aside", "audio", "b", "blockquote", "br", "caption", "cite"}
    | {"code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure"}
    | {"footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd"}
    | {"li", "mark", "nav", "ol", "p", "pre", "q", "s", "section", "small", "source", "span"}
    | {"strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead"}
    | {"time", "tr", "u", "ul"}
)
_GLOBAL_ATTRIBUTES: Final = frozenset({"class", "title", "lang", "dir", "role"})
_TAG_ATTRIBUTES: Final = {
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "time": {"datetime"},
    "audio": {"src", "controls", "preload", "loop", "muted"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "blockquote": {"cite"},
    "q": {"cite"},
}


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(tag, ()):
        return True
    # aria-* and data-* carry no behaviour without scripts (and pages have none from packs).
    return name.startswith(("aria-", "data-")) and name.replace("-", "").isalnum()


def clean_output(html: str) -> str:
    """Keep only allowlisted tags and attributes, and http(s)/mailto/relative URLs."""
    cleaner = Cleaner(  # not thread-safe (bleach docs): one per call
        tags=_TAGS,
        attributes=_attribute_allowed,
        protocols={"http", "https", "mailto"},
        strip=True,
        strip_comments=True,
    )
    return str(cleaner.clean(html))


@functools.lru_cache(maxsize=32)
def _environment(pack: ThemePack) -> ThemeSandbox:
    templates = pack.root / TEMPLATES_DIR
    names = frozenset(
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if is_allowed_template(str(path.relative_to(templates)))
    )

    def asset(relative: str) -> str:
        if not isinstance(relative, str) or asset_path(pack, relative) is None:
            return ""
        return asset_url(pack, str(Path(relative)))

    return make_environment(templates, names, asset)


def render_module_override(pack: ThemePack, module: str, context: dict[str, Any]) -> str | None:
    """Render the pack's templates/modules/<module>.html, or return None if it has none.

    `context` must be plain data (see themes/README.md, "Template overrides"); keys ending in
    `_html` hold HTML the app has already sanitized. The template also gets `theme` (id, name,
    version) and `module`. Raises ValueError for an unknown module, TypeError for a context
    that is not plain data, and ThemeRenderError when the template fails, breaks a sandbox
    rule or runs over its budget (callers fall back to the app's own module template).
    """
    if module not in MODULES:
        raise ValueError(f"unknown module {module!r} (known: {', '.join(MODULES)})")
    if module not in pack.overrides:
        return None
    data = plain_context(context)
    data["theme"] = {"id": pack.id, "name": pack.name, "version": pack.version}
    data["module"] = module
    name = f"modules/{module}.html"
    try:
        template = _environment(pack).get_template(name)
        html = render_budgeted(template, data)
    except Exception as exc:  # a hostile or broken template can raise anything
        raise ThemeRenderError(
            f"theme {pack.id}: {TEMPLATES_DIR}/{name}: {type(exc).__name__}: {exc}"
        ) from exc
    return clean_output(html)
