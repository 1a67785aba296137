"""Sanitize a space owner's custom CSS: it may style only their space and load only allowed URLs.

Everything works on tinycss2's parsed tree, never on the raw text: tinycss2 has already decoded
CSS escapes (`\\75 rl(` is a url token) and dropped comments, so neither can hide anything from
the checks. The output is re-serialized from the checked tokens and is safe inside `<style>`.

This is the second line of defence: the page should also wrap the scope element in a container
with `contain: paint` and `isolation: isolate`, so nothing drawn inside can leave its box or climb
above the visitor's controls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tinycss2
from tinycss2.ast import IdentToken, Node, StringToken
from tinycss2.serializer import serialize_identifier, serialize_string_value

_MAX_BLOCK_DEPTH = 24  # tinycss2 serializes recursively: bound the nesting we hand it
_MAX_RULE_DEPTH = 4  # @media inside @supports inside @media ...
_KEYWORDS = frozenset({"inherit", "initial", "unset", "revert", "revert-layer"})
# `fixed` positions against the viewport, so it would escape the space and could cover the
# page's own controls. `sticky` stays inside its scroll container and is kept.
_POSITIONS = frozenset({"static", "relative", "absolute", "sticky"}) | _KEYWORDS
# IE's behavior and Firefox's -moz-binding attach code to elements (compared without prefix).
_FORBIDDEN_PROPERTIES = frozenset({"behavior", "binding"})
_BLOCKED_AT_RULES = frozenset({"import", "charset", "namespace"})
_CONDITIONAL_AT_RULES = frozenset({"media", "supports"})
_KEYFRAMES_AT_RULES = frozenset({"keyframes", "-webkit-keyframes"})
_ANIMATION_PROPERTIES = frozenset({"animation", "animation-name"})
# Value functions allowed (vendor prefixes stripped first). An allowlist, because new functions
# can fetch resources (image-set(), src(), cross-fade()) or run code (IE's expression()).
_ALLOWED_FUNCTIONS = frozenset(
    {"rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix"}
    | {"light-dark", "calc", "min", "max", "clamp", "round", "mod", "rem", "abs", "sign", "var"}
    | {"env", "linear-gradient", "radial-gradient", "conic-gradient", "repeating-linear-gradient"}
    | {"repeating-radial-gradient", "repeating-conic-gradient", "translate", "translatex"}
    | {"translatey", "translatez", "translate3d", "rotate", "rotatex", "rotatey", "rotatez"}
    | {"rotate3d", "scale", "scalex", "scaley", "scalez", "scale3d", "skew", "skewx", "skewy"}
    | {"matrix", "matrix3d", "perspective", "cubic-bezier", "steps", "linear", "blur"}
    | {"brightness", "contrast", "drop-shadow", "grayscale", "hue-rotate", "invert", "opacity"}
    | {"saturate", "sepia", "inset", "circle", "ellipse", "polygon", "rect", "repeat", "minmax"}
    | {"fit-content", "counter", "counters", "attr", "local", "format", "tech"}
)
_SELECTOR_TOKEN_TYPES = frozenset(
    {"ident", "hash", "literal", "whitespace", "[] block", "function", "string", "number"}
    | {"dimension", "percentage"}
)
_COMBINATORS = frozenset({">", "+", "~", "||"})
_SCRIPT_URL = re.compile(r"(java|vb)script:")
_VENDOR_PREFIX = re.compile(r"^-(webkit|moz|ms|o)-")


@dataclass(frozen=True)
class CssProblem:
    """Something removed from the input, with where it was (1-based line and column)."""

    line: int
    column: int
    reason: str


@dataclass(frozen=True)
class SanitizedCss:
    """The CSS to serve and the list of what was removed, for showing to the space owner."""

    css: str
    problems: list[CssProblem] = field(default_factory=list)


def _has_script_url(text: str) -> bool:
    """Tell whether a decoded value contains a javascript:/vbscript: URL, ignoring spacing."""
    return _SCRIPT_URL.search(re.sub(r"[\x00-\x20\x7f]+", "", text).lower()) is not None


def _significant(tokens: Iterable[Node]) -> list[Node]:
    return [token for token in tokens if token.type != "whitespace"]


def _serialize(tokens: Iterable[Node]) -> str:
    return str(tinycss2.serialize(tokens)).strip()


def _indent(blocks: Sequence[str]) -> str:
    return "\n".join("  " + line for block in blocks for line in block.splitlines())


def _is_literal(token: Node, *values: str) -> bool:
    return token.type == "literal" and token.value in values


def _root_compound_len(tokens: Sequence[Node], i: int) -> int:
    """Return how many tokens at `i` name the document root (`html`, `body`, `:root`)."""
    if i < len(tokens) and tokens[i].type == "ident" and tokens[i].lower_value in ("html", "body"):
        return 1
    if (
        i + 1 < len(tokens)
        and _is_literal(tokens[i], ":")
        and tokens[i + 1].type == "ident"
        and tokens[i + 1].lower_value in ("root", "scope")
    ):
        return 2
    return 0


def _compound_end(tokens: Sequence[Node], i: int) -> int:
    while (
        i < len(tokens)
        and tokens[i].type != "whitespace"
        and not _is_literal(tokens[i], *_COMBINATORS)
    ):
        i += 1
    return i


def _skip_descendant_or_child(tokens: Sequence[Node], i: int) -> int:
    """Skip whitespace and at most one `>` combinator."""
    while i < len(tokens) and tokens[i].type == "whitespace":
        i += 1
    if i < len(tokens) and _is_literal(tokens[i], ">"):
        i += 1
        while i < len(tokens) and tokens[i].type == "whitespace":
            i += 1
    return i


def _scope_selector(tokens: Sequence[Node], scope: str) -> str | None:
    """Prefix one complex selector with the scope; None if it would match outside the scope.

    `html`, `body` and `:root` stand for the scope itself (`body.dark > p` becomes
    `.space-root.dark > p`); anything else becomes a descendant (`p` -> `.space-root p`).
    """
    glued: list[Node] = []  # the rest of root compounds: `.dark` of `body.dark`
    i = 0
    while count := _root_compound_len(tokens, i):
        end = _compound_end(tokens, i + count)
        glued.extend(tokens[i + count : end])
        i = end
        following = _skip_descendant_or_child(tokens, i)
        if not _root_compound_len(tokens, following):
            break
        i = following
    rest = _significant(tokens[i:])
    # `+`/`~` right after the scope select its siblings: outside the space.
    if rest and _is_literal(rest[0], "+", "~", "||"):
        return None
    if i == 0:
        return f"{scope} {_serialize(tokens)}"
    return f"{scope}{_serialize(glued)} {_serialize(tokens[i:])}".rstrip()


@dataclass
class _Sanitizer:
    """Walks one stylesheet, returning kept rules as text and recording what it removes."""

    scope: str
    allowed_url: Callable[[str], bool]
    max_z_index: int
    name_prefix: str
    problems: list[CssProblem] = field(default_factory=list)
    keyframes: set[str] = field(default_factory=set)

    def report(self, node: Any, reason: str) -> None:
        self.problems.append(CssProblem(node.source_line, node.source_column, reason))

    def collect_keyframes(self, rules: Iterable[Node], depth: int = 0) -> None:
        """Remember this stylesheet's @keyframes names so references to them can be renamed."""
        for rule in rules:
            if rule.type != "at-rule" or rule.content is None or depth > _MAX_RULE_DEPTH:
                continue
            if rule.lower_at_keyword in _KEYFRAMES_AT_RULES:
                name = _significant(rule.prelude)
                if len(name) == 1 and name[0].type in ("ident", "string"):
                    self.keyframes.add(name[0].value)
            elif rule.lower_at_keyword in _CONDITIONAL_AT_RULES:
                self.collect_keyframes(_parse_rules(rule.content), depth + 1)

    def rules(self, rules: Iterable[Node], depth: int = 0) -> list[str]:
        """Sanitize a list of rules (top level or inside a conditional at-rule)."""
        out = []
        for rule in rules:
            if rule.type == "qualified-rule":
                text = self.style_rule(rule)
            elif rule.type == "at-rule":
                text = self.at_rule(rule, depth)
            else:
                self.report(rule, f"syntax error: {rule.message}")
                text = None
            if text:
                out.append(text)
        return out

    def style_rule(self, rule: Any) -> str | None:
        """Scope a style rule's selectors and filter its declarations; None drops the rule."""
        selectors = []
        for part in _split_commas(rule.prelude):
            reason = _selector_problem(part)
            scoped = None if reason else _scope_selector(part, self.scope)
            if scoped is not None and "</" in scoped:
                reason = "'</' is not allowed"
            if reason or scoped is None:
                self.report(
                    part[0] if part else rule, reason or "selector reaches outside the space"
                )
            else:
                selectors.append(scoped)
        declarations = self.declarations(rule.content) if selectors else []
        if not declarations:
            return None
        body = "\n".join(f"  {text};" for _, text in declarations)
        return f"{', '.join(selectors)} {{\n{body}\n}}"

    def at_rule(self, rule: Any, depth: int) -> str | None:
        """Keep @media/@supports (recursing), @keyframes and @font-face; drop the rest."""
        keyword = rule.lower_at_keyword
        if rule.content is not None and keyword in _CONDITIONAL_AT_RULES:
            reason = _value_problem(rule.prelude, self.allowed_url, allow_functions=True)
            prelude = "" if reason else _serialize(rule.prelude)
            if reason is None and "</" in prelude:
                reason = "'</' is not allowed"
            if reason is None and depth >= _MAX_RULE_DEPTH:
                reason = "nested too deeply"
            if reason:
                self.report(rule, f"@{keyword}: {reason}")
                return None
            inner = self.rules(_parse_rules(rule.content), depth + 1)
            return f"@{keyword} {prelude} {{\n{_indent(inner)}\n}}" if inner else None
        if rule.content is not None and keyword in _KEYFRAMES_AT_RULES:
            return self.keyframes_rule(rule)
        if rule.content is not None and keyword == "font-face":
            declarations = self.declarations(rule.content)
            if not any(name == "src" for name, _ in declarations):
                return None  # a font face without a usable source does nothing
            body = "\n".join(f"  {text};" for _, text in declarations)
            return f"@font-face {{\n{body}\n}}"
        if keyword in _BLOCKED_AT_RULES:
            self.report(rule, f"@{keyword} is not allowed")
        else:
            self.report(rule, f"@{keyword} is not supported")
        return None

    def keyframes_rule(self, rule: Any) -> str | None:
        """Rename a @keyframes rule with the prefix and filter its frames' declarations."""
        name = _significant(rule.prelude)
        if len(name) != 1 or name[0].type not in ("ident", "string"):
            self.report(rule, "@keyframes needs one name")
            return None
        frames = []
        for frame in _parse_rules(rule.content):
            selector = _significant(getattr(frame, "prelude", None) or [])
            if (
                frame.type != "qualified-rule"
                or not selector
                or not all(
                    token.type == "percentage"
                    or _is_literal(token, ",")
                    or (token.type == "ident" and token.lower_value in ("from", "to"))
                    for token in selector
                )
            ):
                self.report(frame, "keyframe selectors are from, to or percentages")
                continue
            body = "\n".join(f"  {text};" for _, text in self.declarations(frame.content))
            frames.append(f"{_serialize(frame.prelude)} {{\n{body}\n}}")
        prefixed = serialize_identifier(self.name_prefix + name[0].value)
        if "</" in prefixed:
            self.report(rule, "'</' is not allowed")
            return None
        return f"@{rule.lower_at_keyword} {prefixed} {{\n{_indent(frames)}\n}}"

    def declarations(self, content: Sequence[Node]) -> list[tuple[str, str]]:
        """Return (lower-case property name, serialized declaration) for each kept one."""
        kept = []
        for node in tinycss2.parse_blocks_contents(content, skip_whitespace=True):
            if node.type == "declaration":
                text = self.declaration(node)
                if text is not None:
                    kept.append((node.lower_name, text))
            elif node.type == "error":
                self.report(node, f"syntax error: {node.message}")
            else:
                # CSS nesting (`& + .x {}`) could select the scope's siblings: not supported.
                self.report(node, "nested rules are not allowed")
        return kept

    def declaration(self, decl: Any) -> str | None:
        """Serialize one declaration, or report it and return None."""
        name: str = decl.lower_name
        value = list(decl.value)
        if _VENDOR_PREFIX.sub("", name) in _FORBIDDEN_PROPERTIES:
            reason: str | None = "property is not allowed"
        else:
            reason = _value_problem(value, self.allowed_url)
        if reason is None and name == "position":
            reason = _position_problem(_significant(value))
        elif reason is None and name == "z-index":
            reason, value = self.z_index(decl, _significant(value))
        elif _VENDOR_PREFIX.sub("", name) in _ANIMATION_PROPERTIES:
            value = [self.prefixed_name(token) for token in value]
        # Serialize only values that passed _value_problem: its depth limit keeps tinycss2's
        # recursive serializer safe.
        text = "" if reason else f"{serialize_identifier(decl.name)}: {_serialize(value)}"
        text += " !important" if decl.important else ""
        if reason is None and "</" in text:
            reason = "'</' is not allowed"
        if reason is None and _has_script_url(text):
            reason = "javascript: URLs are not allowed"
        if reason is not None:
            self.report(decl, f"{decl.name}: {reason}")
            return None
        return text

    def z_index(self, decl: Any, tokens: list[Node]) -> tuple[str | None, list[Node]]:
        """Check a z-index value, clamping integers above the cap (reported, not dropped)."""
        if len(tokens) == 1 and tokens[0].type == "ident":
            keyword_ok = tokens[0].lower_value == "auto" or tokens[0].lower_value in _KEYWORDS
            return (None if keyword_ok else "z-index must be an integer"), tokens
        if len(tokens) != 1 or tokens[0].type != "number" or not tokens[0].is_integer:
            return "z-index must be an integer", tokens
        if tokens[0].int_value > self.max_z_index:
            self.report(decl, f"z-index lowered to {self.max_z_index}")
            return None, tinycss2.parse_component_value_list(str(self.max_z_index))
        return None, tokens

    def prefixed_name(self, token: Node) -> Node:
        """Rename a reference to one of this stylesheet's own @keyframes."""
        if token.type not in ("ident", "string") or token.value not in self.keyframes:
            return token
        value = self.name_prefix + token.value
        if token.type == "ident":
            return IdentToken(token.source_line, token.source_column, value)
        return StringToken(token.source_line, token.source_column, value, _quote(value))


def _quote(value: str) -> str:
    return '"' + serialize_string_value(value) + '"'


def _parse_rules(content: Sequence[Node]) -> list[Node]:
    return list(tinycss2.parse_rule_list(content, skip_comments=True, skip_whitespace=True))


def _split_commas(prelude: Sequence[Node]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for token in prelude:
        if _is_literal(token, ","):
            parts.append([])
        else:
            parts[-1].append(token)
    return [_strip_whitespace(part) for part in parts]


def _strip_whitespace(tokens: list[Node]) -> list[Node]:
    start, end = 0, len(tokens)
    while start < end and tokens[start].type == "whitespace":
        start += 1
    while end > start and tokens[end - 1].type == "whitespace":
        end -= 1
    return tokens[start:end]


def _selector_problem(tokens: Sequence[Node], depth: int = 0) -> str | None:
    """Explain why a selector cannot be kept, or return None."""
    if depth == 0 and not tokens:
        return "empty selector"
    if depth > _MAX_BLOCK_DEPTH:
        return "nested too deeply"
    for token in tokens:
        if token.type not in _SELECTOR_TOKEN_TYPES or _is_literal(token, ";", "&", "<", "@"):
            return "unexpected token in selector"
        if token.type in ("string", "ident") and _has_script_url(token.value):
            return "javascript: URLs are not allowed"
        inner = getattr(token, "arguments", None) or getattr(token, "content", None)
        if inner is not None and (reason := _selector_problem(inner, depth + 1)):
            return reason
    return None


def _value_problem(
    tokens: Iterable[Node],
    allowed_url: Callable[[str], bool],
    *,
    allow_functions: bool = False,
    depth: int = 0,
) -> str | None:
    """Explain why a declaration value (or at-rule prelude) cannot be kept, or return None."""
    if depth > _MAX_BLOCK_DEPTH:
        return "nested too deeply"
    for token in tokens:
        if token.type == "error":
            return "syntax error"
        if token.type == "url" and (reason := _url_problem(token.value, allowed_url)):
            return reason
        if token.type in ("string", "ident") and _has_script_url(token.value):
            return "javascript: URLs are not allowed"
        if token.type == "function":
            name = _VENDOR_PREFIX.sub("", token.lower_name)
            if name == "url":
                arguments = _significant(token.arguments)
                if len(arguments) != 1 or arguments[0].type != "string":
                    return "url() takes one URL"
                if reason := _url_problem(arguments[0].value, allowed_url):
                    return reason
            elif name not in _ALLOWED_FUNCTIONS and not allow_functions:
                return f"{token.lower_name}() is not allowed"
        inner = getattr(token, "arguments", None) or getattr(token, "content", None)
        if inner is not None:
            reason = _value_problem(
                inner, allowed_url, allow_functions=allow_functions, depth=depth + 1
            )
            if reason:
                return reason
    return None


def _url_problem(url: str, allowed_url: Callable[[str], bool]) -> str | None:
    if _has_script_url(url):
        return "javascript: URLs are not allowed"
    return None if allowed_url(url.strip()) else f"url({url.strip()[:100]}) is not allowed"


def _position_problem(tokens: list[Node]) -> str | None:
    if len(tokens) == 1 and tokens[0].type == "ident" and tokens[0].lower_value in _POSITIONS:
        return None
    if len(tokens) == 1 and tokens[0].type == "ident" and tokens[0].lower_value == "fixed":
        return "position: fixed would escape the space"
    return "position must be static, relative, absolute or sticky"


def sanitize_custom_css(
    css: str,
    *,
    scope: str = ".space-root",
    max_bytes: int = 32_768,
    allowed_url: Callable[[str], bool],
    max_z_index: int = 1000,
    name_prefix: str = "space-",
) -> SanitizedCss:
    """Make a space owner's CSS safe to serve inside `<style>` on their space page.

    Every selector is scoped under `scope` (`body`/`html`/`:root` become the scope itself);
    @import/@charset/@namespace, unknown at-rules, nested rules, url()s that `allowed_url`
    rejects, javascript: URLs, expression(), behavior/-moz-binding, `position: fixed` and
    non-integer z-index are dropped; z-index above `max_z_index` is lowered to it; @keyframes
    names get `name_prefix` (and references to them are renamed); comments are dropped. Each
    removal is listed in `problems`. Input above `max_bytes` yields empty CSS.
    `allowed_url` receives the decoded, stripped URL of every url() and decides alone.
    """
    size = len(css.encode("utf-8"))
    if size > max_bytes:
        return SanitizedCss("", [CssProblem(1, 1, f"CSS is {size} bytes; at most {max_bytes}")])
    sanitizer = _Sanitizer(scope, allowed_url, max_z_index, name_prefix)
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    sanitizer.collect_keyframes(rules)
    blocks = sanitizer.rules(rules)
    output = "\n".join(blocks) + "\n" if blocks else ""
    if "</" in output:  # unreachable: each piece is checked; kept as the last guard
        return SanitizedCss("", [*sanitizer.problems, CssProblem(1, 1, "'</' is not allowed")])
    return SanitizedCss(output, sanitizer.problems)
