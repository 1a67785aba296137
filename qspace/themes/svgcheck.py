"""Check an SVG asset: no scripts, no embedded documents, no references to other files.

An SVG opened on its own (not through <img>, where browsers disable scripts) is a full
document, so it is held to the same rules as a template. It is read with expat, refusing any
DOCTYPE first: entity declarations are how XML bombs and external entities get in.
"""

from __future__ import annotations

import re
from typing import Final
from xml.parsers import expat

from qspace.themes.problems import Problem

# Elements that run code, embed other documents or react to events (SVG 2 and SVG Tiny 1.2).
FORBIDDEN_ELEMENTS: Final = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
)
_HREFS: Final = frozenset({"href", "xlink:href"})
_SCRIPT_URL = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)


def _local_name(name: str) -> str:
    """'http://www.w3.org/2000/svg script' or 'svg:script' -> 'script' (lower case)."""
    return re.split(r"[ :]", name)[-1].lower()


def svg_problems(text: str, file: str) -> list[Problem]:
    """Every problem of one SVG file, each with the line expat reports."""
    problems: list[Problem] = []
    parser = expat.ParserCreate()
    in_style = 0
    seen_root = False
    style_start = 0
    style_text: list[str] = []

    def report(reason: str, line: int | None = None) -> None:
        problems.append(Problem(file, line or parser.CurrentLineNumber, reason))

    def css_problems(css: str, line: int) -> None:
        if _CSS_IMPORT.search(css):
            report("@import is not allowed in an SVG", line)
        if _CSS_URL.search(css):
            report("url() in an SVG may only point inside it (#id)", line)
        if _SCRIPT_URL.search(re.sub(r"\s+", "", css)):
            report("scripts are not allowed", line)

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal in_style, style_start, seen_root
        element = _local_name(name)
        if not seen_root and element != "svg":
            report(f"the document element is <{element}>, not <svg>")
        seen_root = True
        if element in FORBIDDEN_ELEMENTS:
            reason = "scripts are not allowed" if element == "script" else None
            report(reason or f"<{element}> is not allowed in an SVG")
        if element == "style":
            in_style += 1
            style_start = parser.CurrentLineNumber
        for attribute, value in attributes.items():
            local = attribute.lower() if attribute.lower() in _HREFS else _local_name(attribute)
            squeezed = re.sub(r"[\x00-\x20\x7f]+", "", value)
            if local.startswith("on"):
                report(f"event handler attribute {attribute!r} is not allowed")
            if _SCRIPT_URL.search(squeezed):
                report("scripts are not allowed")
            if (local in _HREFS or local == "href") and not squeezed.startswith("#"):
                report(f"<{element} {attribute}> may only point inside the SVG (#id)")
            if local == "style":
                css_problems(value, parser.CurrentLineNumber)
            if local == "attributename" and squeezed.lower() in _HREFS:
                report("animating a link target is not allowed in an SVG")

    def end(name: str) -> None:
        nonlocal in_style
        if _local_name(name) == "style" and in_style:
            in_style -= 1
            css_problems("".join(style_text), style_start)
            style_text.clear()

    def data(chunk: str) -> None:
        if in_style:
            style_text.append(chunk)

    def instruction(target: str, _data: str) -> None:
        # <?xml-stylesheet href="..."?> makes a browser fetch a stylesheet (W3C "Associating
        # Style Sheets with XML documents"); no other processing instruction is needed either.
        report(f"processing instruction <?{target}?> is not allowed in an SVG")

    def doctype(*_: object) -> None:
        report("a DOCTYPE is not allowed in an SVG (it can declare entities)")
        raise _Stop

    def entity(*_: object) -> None:
        report("entity declarations are not allowed in an SVG")
        raise _Stop

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.ProcessingInstructionHandler = instruction
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text, True)
    except _Stop:
        pass
    except expat.ExpatError as exc:
        problems.append(
            Problem(file, exc.lineno, f"not well-formed XML: {expat.errors.messages[exc.code]}")
        )
    return problems


class _Stop(Exception):
    """Raised inside an expat handler to stop parsing a document that is refused outright."""
