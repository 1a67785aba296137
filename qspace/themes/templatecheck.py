"""Static checks of a template override: parse, sandbox-escaping syntax, includes, and its HTML.

The same checks run in `qspace theme validate` and whenever the sandbox loads a template, so a
pack edited after validation is held to the same rules. The sandbox still enforces attribute
safety at render time; these checks refuse what can be seen without running anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Final

import jinja2
from jinja2 import nodes

from qspace.themes.limits import TEMPLATES_DIR, is_allowed_template
from qspace.themes.problems import Problem

# The filters a template may use: Jinja's built-ins minus those that can build unbounded output
# from a short template (center, indent, format, batch, slice, replace, wordwrap), mark markup
# as safe (safe, xmlattr) or serialize objects (pprint, tojson).
ALLOWED_FILTERS: Final = frozenset(
    {"abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first"}
    | {"float", "forceescape", "groupby", "int", "items", "join", "last", "length", "list"}
    | {"lower", "map", "max", "min", "random", "reject", "rejectattr", "reverse", "round"}
    | {"select", "selectattr", "sort", "string", "striptags", "sum", "title", "trim"}
    | {"truncate", "unique", "upper", "urlencode", "wordcount", "filesizeformat"}
)
# Attributes that reach Python internals even without a leading underscore (the sandbox refuses
# them too; refusing them here tells the author at validation time).
UNSAFE_ATTRIBUTES: Final = frozenset(
    {"mro", "format", "format_map", "func_globals", "func_code", "f_globals", "f_locals"}
    | {"f_back", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code"}
    | {"tb_frame", "tb_next", "im_func", "im_self", "co_code", "gi_yieldfrom", "cr_await"}
)
MAX_LOOP_NESTING: Final = 3
PLACEHOLDER: Final = "qsexpr"
# Elements a template may not write: they run code, load documents or other sites, submit
# forms, or style outside the space. <script> is reported by the script scan.
FORBIDDEN_TAGS: Final = frozenset(
    {"style", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta"}
    | {"base", "form", "input", "button", "textarea", "select", "svg", "math", "template"}
    | {"noscript", "portal", "video", "track", "canvas", "dialog"}
)
# Attributes whose value makes the browser fetch something as soon as the page loads.
LOADING_ATTRIBUTES: Final = frozenset({"src", "srcset", "poster", "data", "background", "lowsrc"})
URL_ATTRIBUTES: Final = LOADING_ATTRIBUTES | frozenset({"href", "cite", "action", "xlink:href"})
FORBIDDEN_ATTRIBUTES: Final = frozenset(
    {"style", "srcdoc", "formaction", "action", "ping", "http-equiv", "autofocus", "is"}
)
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_UNQUOTED_EXPRESSION = re.compile(rf"=\s*{PLACEHOLDER}")
_ABSOLUTE_URL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")
_SCRIPT_URL = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
_SCRIPT_TAG = re.compile(r"<\s*script|(?:java|vb)script\s*:", re.IGNORECASE)


def _walk(node: nodes.Node, loops: int = 0) -> Iterator[tuple[nodes.Node, int]]:
    """Yield every node with the number of enclosing {% for %} loops."""
    yield node, loops
    inner = loops + 1 if isinstance(node, nodes.For) else loops
    for child in node.iter_child_nodes():
        yield from _walk(child, inner)


def _reference_problem(node: nodes.Node, has_template: Callable[[str], bool]) -> str | None:
    target = getattr(node, "template", None)
    keyword = {
        nodes.Extends: "extends",
        nodes.Include: "include",
        nodes.Import: "import",
        nodes.FromImport: "import",
    }[type(node)]
    if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
        return f"{{% {keyword} %}} needs a quoted template name, not an expression"
    name = target.value
    if not is_allowed_template(name):
        return (
            f"{{% {keyword} {name!r} %}}: only this pack's modules/*.html and "
            "partials/*.html can be used"
        )
    if not has_template(name):
        return f"{{% {keyword} {name!r} %}}: {TEMPLATES_DIR}/{name} is not in the pack"
    return None


def _node_problem(node: nodes.Node, loops: int, has_template: Callable[[str], bool]) -> str | None:
    if isinstance(node, nodes.Getattr) and (
        node.attr.startswith("_") or node.attr in UNSAFE_ATTRIBUTES
    ):
        return f"attribute {node.attr!r} is not accessible in the sandbox"
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
        and (node.arg.value.startswith("_") or node.arg.value in UNSAFE_ATTRIBUTES)
    ):
        return f"item {node.arg.value!r} is not accessible in the sandbox"
    if isinstance(node, nodes.Filter):
        if node.name not in ALLOWED_FILTERS:
            return f"filter {node.name!r} is not available (see themes/README.md)"
        first = node.args[0] if node.args else None
        if node.name == "attr" and isinstance(first, nodes.Const) and str(first.value)[:1] == "_":
            return f"attribute {first.value!r} is not accessible in the sandbox"
    if isinstance(node, nodes.Extends | nodes.Include | nodes.Import | nodes.FromImport):
        return _reference_problem(node, has_template)
    if isinstance(node, nodes.EvalContextModifier | nodes.ScopedEvalContextModifier):
        return "{% autoescape %} is not allowed: output is always escaped"
    if isinstance(node, nodes.For) and loops >= MAX_LOOP_NESTING:
        return f"loops nested more than {MAX_LOOP_NESTING} deep"
    return None


class _MarkupChecker(HTMLParser):
    """Reads a template's HTML (expressions replaced by a placeholder) for forbidden markup."""

    def __init__(self, report: Callable[[int, str], None]) -> None:
        super().__init__(convert_charrefs=True)
        self.report = report

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if PLACEHOLDER in tag:
            self.report(line, "a tag name cannot come from an expression")
        elif tag in FORBIDDEN_TAGS:
            self.report(line, f"<{tag}> is not allowed in a template")
        raw = self.get_starttag_text() or ""
        if _UNQUOTED_EXPRESSION.search(raw):
            self.report(line, "quote attribute values that hold an expression")
        for name, value in attrs:
            self.attribute(line, tag, name, value or "")

    handle_startendtag = handle_starttag

    def attribute(self, line: int, tag: str, name: str, value: str) -> None:
        if PLACEHOLDER in name:
            self.report(line, "an attribute name cannot come from an expression")
        elif name.startswith("on"):
            self.report(line, f"event handler attribute {name!r} is not allowed")
        elif name == "style":
            self.report(line, "style attributes are not allowed: styles belong in style.css")
        elif name in FORBIDDEN_ATTRIBUTES:
            self.report(line, f"attribute {name!r} is not allowed")
        # Browsers skip whitespace and control characters inside a URL's scheme.
        squeezed = re.sub(r"[\x00-\x20\x7f]+", "", value)
        if _SCRIPT_URL.search(squeezed):
            self.report(line, "scripts are not allowed")
        if name in URL_ATTRIBUTES and squeezed.lower().startswith("data:"):
            self.report(line, f"<{tag} {name}>: data: URLs are not allowed")
        if name in LOADING_ATTRIBUTES and _ABSOLUTE_URL.match(squeezed):
            self.report(
                line, f"<{tag} {name}> loads from another host: use asset('...') for pack files"
            )


def markup_problems(source: str, file: str) -> list[Problem]:
    """Check the literal HTML of a template: forbidden tags and attributes, scripts, far URLs."""
    problems = [
        Problem(file, source.count("\n", 0, match.start()) + 1, "scripts are not allowed")
        for match in _SCRIPT_TAG.finditer(source)
    ]

    def placeholder(match: re.Match[str]) -> str:
        return PLACEHOLDER + "\n" * match.group(0).count("\n")

    checker = _MarkupChecker(lambda line, reason: problems.append(Problem(file, line, reason)))
    checker.feed(_JINJA_TAG.sub(placeholder, source))
    checker.close()
    return sorted(set(problems))


def template_problems(
    environment: jinja2.Environment,
    name: str,
    source: str,
    has_template: Callable[[str], bool],
) -> list[Problem]:
    """Every static problem of the template `name` (relative to templates/) with its line.

    `environment` is the pack's sandbox environment (its filters and tests decide what
    compiles); `has_template(name)` tells which templates the pack ships.
    """
    file = f"{TEMPLATES_DIR}/{name}"
    try:
        tree = environment.parse(source, name)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(file, exc.lineno or 1, f"template syntax error: {exc.message}")]
    problems = [
        Problem(file, node.lineno or 1, reason)
        for node, loops in _walk(tree)
        if (reason := _node_problem(node, loops, has_template))
    ]
    if not problems:
        try:
            environment.compile(source, name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(file, exc.lineno or 1, f"template error: {exc.message}"))
    return problems + markup_problems(source, file)
