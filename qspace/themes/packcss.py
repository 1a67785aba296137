"""A pack's style.css: sanitized by qspace.css (the custom-CSS rules) and its url()s rewritten.

Pack CSS is untrusted exactly like a space owner's custom CSS, so it goes through the same
sanitizer, scoped to `.space-root`; the only extra rule is that url() may name only files of
the pack's assets/ folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import tinycss2
from tinycss2.ast import Node, StringToken, URLToken
from tinycss2.serializer import serialize_string_value

from qspace.css import SanitizedCss, sanitize_custom_css
from qspace.themes.limits import ASSETS_DIR, MAX_STYLE_BYTES, STYLE_FILE
from qspace.themes.problems import Problem
from qspace.themes.variables import pack_relative

SCOPE = ".space-root"
KEYFRAMES_PREFIX = "theme-"
_SCRIPT_TAG = re.compile(r"<\s*script", re.IGNORECASE)


def asset_reference(url: str, has_file: Callable[[str], bool]) -> str | None:
    """The pack path a CSS url() names ("assets/x.png"), or None if it is not a pack asset.

    The URL is relative to style.css at the pack root; queries, fragments, schemes and
    anything outside assets/ are refused.
    """
    if any(mark in url for mark in "?#") or url.startswith("//"):
        return None
    path = pack_relative(url)
    if path is None or not path.startswith(ASSETS_DIR + "/") or not has_file(path):
        return None
    return path


def sanitize_pack_css(text: str, has_file: Callable[[str], bool]) -> SanitizedCss:
    """Run a pack's CSS through qspace.css.sanitize_custom_css, scoped to `.space-root`."""
    return sanitize_custom_css(
        text,
        scope=SCOPE,
        max_bytes=MAX_STYLE_BYTES,
        allowed_url=lambda url: asset_reference(url, has_file) is not None,
        name_prefix=KEYFRAMES_PREFIX,
    )


def css_problems(text: str, has_file: Callable[[str], bool]) -> list[Problem]:
    """Every rule the sanitizer would drop or change, as problems of style.css.

    A pack is refused rather than silently trimmed, so its author sees what a visitor gets.
    """
    problems = [
        Problem(STYLE_FILE, problem.line, problem.reason)
        for problem in sanitize_pack_css(text, has_file).problems
    ]
    problems += [
        Problem(STYLE_FILE, text.count("\n", 0, match.start()) + 1, "scripts are not allowed")
        for match in _SCRIPT_TAG.finditer(text)
    ]
    problems += [
        Problem(STYLE_FILE, line, f"write :root instead of {SCOPE}: selectors are scoped for you")
        for line in _scope_mentions(tinycss2.parse_stylesheet(text, skip_comments=True))
    ]
    return problems


def _scope_mentions(rules: Iterable[Node], depth: int = 0) -> list[int]:
    """Lines of selectors naming .space-root (scoping would double it: never matching)."""
    lines = []
    for rule in rules:
        if rule.type == "qualified-rule" and SCOPE in tinycss2.serialize(rule.prelude):
            lines.append(rule.source_line)
        elif rule.type == "at-rule" and rule.content is not None and depth < 4:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True)
            lines += _scope_mentions(inner, depth + 1)
    return lines


def _quoted(value: str) -> str:
    return f'"{serialize_string_value(value)}"'


def _rewrite(tokens: Iterable[Node], rewrite: Callable[[str], str]) -> list[Node]:
    out: list[Node] = []
    for token in tokens:
        if token.type == "url":
            url = rewrite(token.value)
            token = URLToken(token.source_line, token.source_column, url, f"url({_quoted(url)})")
        elif token.type == "function" and token.lower_name == "url":
            token.arguments = [_rewrite_string(argument, rewrite) for argument in token.arguments]
        else:
            for attribute in ("arguments", "content", "prelude"):
                inner = getattr(token, attribute, None)
                if isinstance(inner, list):
                    setattr(token, attribute, _rewrite(inner, rewrite))
        out.append(token)
    return out


def _rewrite_string(token: Node, rewrite: Callable[[str], str]) -> Node:
    if token.type != "string":
        return token
    url = rewrite(token.value)
    return StringToken(token.source_line, token.source_column, url, _quoted(url))


def rewrite_urls(css: str, asset_url: Callable[[str], str]) -> str:
    """Replace every url() in sanitized pack CSS with `asset_url(pack path)`.

    Works on the parsed tokens (never on text), so quoting and escapes cannot fool it. Only
    called on sanitize_pack_css output, whose urls all name pack assets.
    """
    rules = tinycss2.parse_stylesheet(css, skip_comments=True)

    def rewrite(url: str) -> str:
        path = pack_relative(url.strip())
        return asset_url(path) if path else "about:invalid"

    return tinycss2.serialize(_rewrite(rules, rewrite))
