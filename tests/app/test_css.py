"""Tests for qspace.css: the custom CSS sanitizer for space pages."""

from __future__ import annotations

import pytest
import tinycss2

from qspace.css import CssProblem, SanitizedCss, sanitize_custom_css


def own_media(url: str) -> bool:
    """The URL policy callers use: only this server's media paths."""
    return url.startswith("/media/")


def sanitize(css: str, **kwargs: object) -> SanitizedCss:
    return sanitize_custom_css(css, allowed_url=own_media, **kwargs)  # type: ignore[arg-type]


def declarations(css: str) -> list[tuple[str, str, str]]:
    """Parse CSS back into (selector, property, value) triples, nested blocks flattened."""
    found: list[tuple[str, str, str]] = []

    def walk(rules: list[tinycss2.ast.Node], context: str) -> None:
        for rule in rules:
            if rule.type == "at-rule":
                header = (
                    f"{context}@{rule.lower_at_keyword} {tinycss2.serialize(rule.prelude).strip()}"
                )
                walk(tinycss2.parse_rule_list(rule.content, True, True), header + " ")
            elif rule.type == "qualified-rule":
                selector = context + tinycss2.serialize(rule.prelude).strip()
                for decl in tinycss2.parse_blocks_contents(rule.content, True, True):
                    value = tinycss2.serialize(decl.value).strip()
                    found.append((selector, decl.lower_name, value))

    walk(tinycss2.parse_stylesheet(css, True, True), "")
    return found


def reasons(result: SanitizedCss) -> list[str]:
    return [problem.reason for problem in result.problems]


def test_benign_css_survives_semantically() -> None:
    """Ensures colours, fonts, borders, gradients, transitions and local url()s are kept."""
    source = """
    .card {
      color: #333;
      background: url(/media/bg.png) no-repeat, linear-gradient(to right, rgba(0,0,0,.5), #fff 50%);
      border: 1px solid hsl(120 50% 50%);
      font: italic 12px/1.5 "Comic Sans MS", cursive;
      transition: transform .3s ease-in-out;
      transform: rotate(3deg) scale(1.1);
      margin: calc(1em + 2px) auto;
      --accent: hotpink;
      text-shadow: 0 0 2px var(--accent) !important;
    }
    .card:hover > img::after, a[href$=".png"] { opacity: .8; position: relative; z-index: 2 }
    """
    result = sanitize(source)
    assert result.problems == []
    expected = [
        (", ".join(f".space-root {part}" for part in selector.split(", ")), name, value)
        for selector, name, value in declarations(source)
    ]
    assert len(expected) == 12
    assert declarations(result.css) == expected
    assert "text-shadow: 0 0 2px var(--accent) !important;" in result.css


@pytest.mark.parametrize(
    ("selector", "scoped"),
    [
        ("body", ".space-root"),
        ("html", ".space-root"),
        (":root", ".space-root"),
        ("html body", ".space-root"),
        ("html > body > .x", ".space-root > .x"),
        ("body.dark p", ".space-root.dark p"),
        (":root:hover .y", ".space-root:hover .y"),
        ("*", ".space-root *"),
        (".a .b", ".space-root .a .b"),
        ("> p", ".space-root > p"),
        ("a:not(body)", ".space-root a:not(body)"),
        ("p ~ .note", ".space-root p ~ .note"),
    ],
)
def test_selectors_are_scoped(selector: str, scoped: str) -> None:
    """Ensures each selector is confined to the space; root selectors become the scope itself."""
    result = sanitize(f"{selector} {{ color: red }}")
    assert result.css == f"{scoped} {{\n  color: red;\n}}\n"
    assert result.problems == []


def test_selector_lists_are_scoped_one_by_one() -> None:
    """Ensures every selector of a list is scoped and a bad one does not take the others down."""
    result = sanitize("body, h1, .a:is(.b, .c), body + .menu { color: red }")
    assert result.css.startswith(".space-root, .space-root h1, .space-root .a:is(.b, .c) {")
    assert reasons(result) == ["selector reaches outside the space"]


@pytest.mark.parametrize(
    "selector",
    ["body + .controls", "body+.controls", "html>body~div", "+ .x", "~ .x", ":root + *"],
)
def test_selectors_reaching_siblings_of_the_space_are_dropped(selector: str) -> None:
    """Ensures a selector matching the scope's siblings (outside the space) is dropped."""
    result = sanitize(f"{selector} {{ display: none }}")
    assert result.css == ""
    assert reasons(result) == ["selector reaches outside the space"]


def test_custom_scope_is_used() -> None:
    """Ensures the caller's scope selector is used as the prefix."""
    result = sanitize("body p { color: red }", scope="#space-42")
    assert result.css == "#space-42 p {\n  color: red;\n}\n"


@pytest.mark.parametrize(
    ("css", "reason"),
    [
        ("@import url(/media/a.css);", "@import is not allowed"),
        ("@import '/media/a.css';", "@import is not allowed"),
        ('@charset "utf-8";', "@charset is not allowed"),
        ("@namespace svg url(http://www.w3.org/2000/svg);", "@namespace is not allowed"),
        ("@page { margin: 0 }", "@page is not supported"),
        ("@property --x { syntax: '*' }", "@property is not supported"),
        ("@layer base { p { color: red } }", "@layer is not supported"),
    ],
)
def test_forbidden_at_rules_are_dropped_and_reported(css: str, reason: str) -> None:
    """Ensures @import/@charset/@namespace and unknown at-rules are removed."""
    result = sanitize(css + "\np { color: red }")
    assert result.css == ".space-root p {\n  color: red;\n}\n"
    assert result.problems == [CssProblem(1, 1, reason)]


@pytest.mark.parametrize(
    "value",
    [
        "url(https://evil.test/x.png)",
        "url('https://evil.test/x.png')",
        "url(/media/ok.png), url(//evil.test/x.png)",
        "\\75 rl(https://evil.test/x.png)",
        "u\\72l('https://evil.test/x.png')",
        "URL(https://evil.test/x.png)",
        "url(data:image/svg+xml;base64,PHN2Zz4=)",
        "image-set('https://evil.test/x.png' 1x)",
        "-webkit-image-set(url(/media/a.png) 1x)",
        "cross-fade(url(/media/a.png), url(/media/b.png), 50%)",
    ],
)
def test_urls_the_policy_rejects_are_dropped(value: str) -> None:
    """Ensures any way of loading a URL the caller does not allow drops the declaration."""
    result = sanitize(f".a {{ background: {value}; color: red }}")
    assert result.css == ".space-root .a {\n  color: red;\n}\n"
    assert len(result.problems) == 1
    assert result.problems[0].reason.startswith("background: ")


def test_allowed_urls_are_kept() -> None:
    """Ensures url()s the policy accepts survive, quoted or not."""
    result = sanitize(".a { cursor: url(/media/c.png), auto; background: url('/media/b.png') }")
    assert result.problems == []
    assert "cursor: url(/media/c.png), auto;" in result.css
    assert 'background: url("/media/b.png");' in result.css


def test_font_face_with_remote_source_is_dropped() -> None:
    """Ensures a web font from another host is dropped and a local one is kept."""
    result = sanitize(
        "@font-face { font-family: Evil; src: url(https://fonts.test/e.woff2) }\n"
        "@font-face { font-family: Mine; src: url(/media/m.woff2) format('woff2'), local(Arial) }"
    )
    assert result.css == (
        "@font-face {\n  font-family: Mine;\n"
        '  src: url(/media/m.woff2) format("woff2"), local(Arial);\n}\n'
    )
    assert reasons(result) == ["src: url(https://fonts.test/e.woff2) is not allowed"]


@pytest.mark.parametrize(
    "declaration",
    [
        "width: expression(alert(1))",
        "width: e\\78pression(alert(1))",
        "behavior: url(/media/x.htc)",
        "-ms-behavior: url(/media/x.htc)",
        "-moz-binding: url(/media/x.xml#xss)",
        "background: url('javascript:alert(1)')",
        "background: url(JAVASCRIPT:alert(1))",
        "content: 'java\\9 script:alert(1)'",
        "--x: javascript:alert(1)",
        "background: paint(evil)",
    ],
)
def test_script_vectors_are_dropped(declaration: str) -> None:
    """Ensures expression(), behaviors, bindings and javascript: URLs never survive."""
    result = sanitize(f".a {{ {declaration}; color: red }}")
    assert result.css == ".space-root .a {\n  color: red;\n}\n"
    assert len(result.problems) == 1


def test_javascript_in_a_selector_string_is_dropped() -> None:
    """Ensures javascript: is refused even where it is inert, in an attribute selector."""
    result = sanitize("a[href^='javascript:'] { color: red }")
    assert result.css == ""
    assert reasons(result) == ["javascript: URLs are not allowed"]


def test_position_fixed_is_dropped_but_sticky_and_absolute_stay() -> None:
    """Ensures only viewport positioning (fixed, or a value hidden in var()) is removed."""
    result = sanitize(
        ".a { position: fixed; top: 0 } .b { position: sticky } .c { position: absolute }"
        " .d { position: var(--p) }"
    )
    assert declarations(result.css) == [
        (".space-root .a", "top", "0"),
        (".space-root .b", "position", "sticky"),
        (".space-root .c", "position", "absolute"),
    ]
    assert reasons(result) == [
        "position: position: fixed would escape the space",
        "position: position must be static, relative, absolute or sticky",
    ]


def test_z_index_is_capped() -> None:
    """Ensures a huge z-index is lowered to the cap and non-integers (var, calc) are dropped."""
    result = sanitize(
        ".a { z-index: 2147483647 } .b { z-index: 10 } .c { z-index: var(--z) } "
        ".d { z-index: auto } .e { z-index: calc(9999) }",
        max_z_index=100,
    )
    assert declarations(result.css) == [
        (".space-root .a", "z-index", "100"),
        (".space-root .b", "z-index", "10"),
        (".space-root .d", "z-index", "auto"),
    ]
    assert reasons(result) == [
        "z-index lowered to 100",
        "z-index: z-index must be an integer",
        "z-index: z-index must be an integer",
    ]


def test_media_rules_are_kept_and_scoped_inside() -> None:
    """Ensures @media keeps its query while its rules are scoped and filtered like others."""
    result = sanitize(
        "@media screen and (max-width: 600px) {\n"
        "  body { font-size: 12px }\n"
        "  .x { position: fixed }\n"
        "  @import url(/media/a.css);\n"
        "}"
    )
    assert result.css == (
        "@media screen and (max-width: 600px) {\n  .space-root {\n    font-size: 12px;\n  }\n}\n"
    )
    assert [(p.line, p.reason) for p in result.problems] == [
        (3, "position: position: fixed would escape the space"),
        (4, "@import is not allowed"),
    ]


def test_deeply_nested_media_is_dropped() -> None:
    """Ensures conditional rules cannot nest without bound."""
    result = sanitize("@media screen {" * 10 + "p { color: red }" + "}" * 10)
    assert result.css == ""
    assert reasons(result) == ["@media: nested too deeply"]


def test_keyframes_are_prefixed_and_references_renamed() -> None:
    """Ensures @keyframes names cannot clobber the page's own, and uses follow the rename."""
    result = sanitize(
        ".x { animation: spin 2s linear infinite } .y { animation-name: pageFade }\n"
        "@keyframes spin { from { transform: rotate(0) } to { transform: rotate(360deg) } }"
    )
    assert result.problems == []
    assert declarations(result.css) == [
        (".space-root .x", "animation", "space-spin 2s linear infinite"),
        (".space-root .y", "animation-name", "pageFade"),
        ("@keyframes space-spin from", "transform", "rotate(0)"),
        ("@keyframes space-spin to", "transform", "rotate(360deg)"),
    ]


def test_keyframes_inside_media_and_bad_frames() -> None:
    """Ensures keyframes in @media are renamed and frame selectors are validated."""
    result = sanitize(
        "@media print { @keyframes pulse { 50% { opacity: .5 } bogus { opacity: 1 } } }"
        " .a { animation-name: pulse }"
    )
    assert declarations(result.css) == [
        ("@media print @keyframes space-pulse 50%", "opacity", ".5"),
        (".space-root .a", "animation-name", "space-pulse"),
    ]
    assert reasons(result) == ["keyframe selectors are from, to or percentages"]


def test_nested_rules_are_dropped() -> None:
    """Ensures CSS nesting (which could select the scope's siblings with &) is refused."""
    result = sanitize("body { color: red; & + .controls { display: none } }")
    assert result.css == ".space-root {\n  color: red;\n}\n"
    assert reasons(result) == ["nested rules are not allowed"]


def test_comments_are_dropped() -> None:
    """Ensures comments, including ones splitting a keyword, do not reach the output."""
    result = sanitize("/* hi */ .a { color: /* x */ red; width: expr/**/ession(1) }")
    assert "/*" not in result.css
    assert declarations(result.css) == [(".space-root .a", "color", "red")]
    assert reasons(result) == ["width: ession() is not allowed"]


@pytest.mark.parametrize(
    "css",
    [
        ".a { content: '</style><script>alert(1)</script>' }",
        ".a { content: '\\3c/style>' }",
        '.a { content: "<\\/style>" }',
        "\\3c \\2f style\\3e .x { color: red }",
        ".a { background: url(/media/</style>) }",
        ".a { font-family: \\3c \\2f style }",
        "@keyframes \\3c \\2f style { to { color: red } } .a { animation-name: \\3c \\2f style }",
        "@media (\\3c \\2f style) { .a { color: red } }",
        "</style><script>alert(1)</script>",
        ".a { color: red }</style><script>alert(1)</script>",
    ],
)
def test_output_can_never_close_the_style_element(css: str) -> None:
    """Ensures no input yields `</` in the output, so `<style>` cannot be broken out of."""
    result = sanitize_custom_css(css, allowed_url=lambda url: True)
    assert "</" not in result.css
    assert "<script" not in result.css.lower()


def test_oversized_input_yields_nothing() -> None:
    """Ensures input over max_bytes is refused as a whole, with a problem."""
    result = sanitize(".a { color: red }\n" * 10, max_bytes=100)
    assert result == SanitizedCss("", [CssProblem(1, 1, "CSS is 180 bytes; at most 100")])
    assert sanitize("p{color:红}", max_bytes=11).css == ""  # 10 characters, 12 bytes


def test_deep_nesting_does_not_crash() -> None:
    """Ensures hostile nesting is reported instead of exhausting the recursion limit."""
    values = sanitize(".a { width: " + "(" * 5000 + " }")
    selectors = sanitize(":is(" * 3000 + "a" + ")" * 3000 + " { color: red }")
    assert values.css == "" and reasons(values) == ["width: nested too deeply"]
    assert selectors.css == "" and reasons(selectors) == ["nested too deeply"]


def test_problems_carry_line_and_column() -> None:
    """Ensures each problem points at where the owner wrote the offending CSS."""
    result = sanitize("p { color: red }\n.a {\n  position: fixed;\n}\n  @import 'x';")
    assert result.problems == [
        CssProblem(3, 3, "position: position: fixed would escape the space"),
        CssProblem(5, 3, "@import is not allowed"),
    ]


def test_syntax_errors_are_reported_and_skipped() -> None:
    """Ensures broken CSS is reported while the valid rules around it survive."""
    result = sanitize("a { color: red } } b { color: blue }\n.c { color: green }")
    assert declarations(result.css) == [
        (".space-root a", "color", "red"),
        (".space-root .c", "color", "green"),
    ]
    assert reasons(result) == ["unexpected token in selector"]
