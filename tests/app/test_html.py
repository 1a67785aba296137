"""Tests for qspace.html: Markdown, status text, remote HTML, text excerpts and slugs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from qspace.html import (
    clean_remote_html,
    html_to_text,
    render_markdown,
    render_status_text,
    slugify,
)

# Shaped like Mastodon's Note `content` (mention h-card, hashtag, shortened link).
MASTODON_CONTENT = (
    '<p><span class="h-card" translate="no"><a href="https://mastodon.test/@dave" '
    'class="u-url mention">@<span>dave</span></a></span> have a look at '
    '<a href="https://example.test/a/rather/long/path/to/the/page" target="_blank" '
    'rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span>'
    '<span class="ellipsis">example.test/a/rather/long/pat</span><span class="invisible">'
    'h/to/the/page</span></a> <a href="https://mastodon.test/tags/Gardening" '
    'class="mention hashtag" rel="tag">#<span>Gardening</span></a></p><p>second<br />line</p>'
)
# Shaped like GoToSocial's: mention classes, code blocks, lists, quotes.
GOTOSOCIAL_CONTENT = (
    '<p>hi <span class="h-card"><a href="https://gts.test/@ann" class="mention" '
    'rel="nofollow noreferrer noopener" target="_blank">@<span>ann</span></a></span></p>'
    "<pre><code>print(1 &lt; 2)</code></pre><ul><li>one</li><li>two</li></ul>"
    "<blockquote><p>quoted</p></blockquote><p><del>old</del> <strong>new</strong> <em>e</em></p>"
)
# Shaped like Misskey's: text in spans, <br> line breaks, <i>/<b>.
MISSKEY_CONTENT = "<p><span>hello <i>there</i><br>next <b>line</b></span></p>"

LINK_REL = "nofollow noopener ugc"
SAFE_SCHEMES = {None, "http", "https", "mailto"}


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every start tag, the way a test can inspect output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


def browser_scheme(url: str) -> str | None:
    """Return the scheme a browser's URL parser would see (it drops tabs/newlines, C0 edges)."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("\x00- ")
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


def assert_safe(markup: str, allowed_tags: set[str]) -> None:
    """Assert no element, attribute or URL in `markup` can run script."""
    for tag, attrs in elements(markup):
        assert tag in allowed_tags, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            assert name != "style", name
            if name in ("href", "src"):
                assert browser_scheme(value or "") in SAFE_SCHEMES, value


REMOTE_TAGS = {"p", "br", "span", "a", "del", "s", "pre", "code", "blockquote", "strong", "b"}
REMOTE_TAGS |= {"em", "i", "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "sup"}
REMOTE_TAGS |= {"sub", "hr", "img"}
MARKDOWN_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del"}
MARKDOWN_TAGS |= {"s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table"}
MARKDOWN_TAGS |= {"thead", "tbody", "tr", "th", "td"}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://e.test/a.png" onerror="alert(1)">',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="https://evil.test"></iframe>',
    '<p style="position:fixed;top:0">x</p>',
    '<p onclick="alert(1)">x</p>',
    "<img src=x onerror=alert(1)//",
    "<p>unclosed <a href='https://ok.test'>link <b>bold",
    "<scr<script>ipt>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<object data="javascript:alert(1)"></object>',
    "<style>@import 'https://evil.test/x.css';</style>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_remote_html_neutralises_xss_payload(payload: str) -> None:
    """Ensures hostile remote HTML loses every element, attribute and URL that can run script."""
    assert_safe(clean_remote_html(payload), REMOTE_TAGS)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_neutralises_xss_payload(payload: str) -> None:
    """Ensures raw HTML in Markdown is shown as text, never as markup."""
    out = render_markdown(payload)
    assert_safe(out, MARKDOWN_TAGS)
    assert [tag for tag, _ in elements(out)] in (["p"], [])


def test_remote_html_drops_script_and_style_contents() -> None:
    """Ensures the text inside script/style/svg does not surface as visible text."""
    out = clean_remote_html(
        "<p>before</p><script>alert(1)</script><style>p{color:red}</style>"
        "<svg><text>svgtext</text></svg><iframe>framed</iframe><p>after</p>"
    )
    assert out == "<p>before</p><p>after</p>"


def test_remote_html_closes_unclosed_tags() -> None:
    """Ensures unclosed tags are closed so they cannot swallow the rest of our page."""
    out = clean_remote_html("<p>unclosed <a href='https://ok.test'>link <b>bold")
    assert out.endswith("<b>bold</b></a></p>")
    assert (
        clean_remote_html("<blockquote><ul><li>x") == "<blockquote><ul><li>x</li></ul></blockquote>"
    )


def test_remote_html_keeps_mastodon_mentions_hashtags_and_link_spans() -> None:
    """Ensures Mastodon's content keeps its links and allowed classes, with our link policy."""
    out = clean_remote_html(MASTODON_CONTENT)
    found = elements(out)
    links = [attrs for tag, attrs in found if tag == "a"]
    assert [link["href"] for link in links] == [
        "https://mastodon.test/@dave",
        "https://example.test/a/rather/long/path/to/the/page",
        "https://mastodon.test/tags/Gardening",
    ]
    assert [link.get("class") for link in links] == ["mention", None, "mention hashtag"]
    assert all(link["rel"] == LINK_REL and link["target"] == "_blank" for link in links)
    span_classes = [attrs.get("class") for tag, attrs in found if tag == "span"]
    assert span_classes == [None, None, "invisible", "ellipsis", "invisible", None]
    assert all("translate" not in attrs for _, attrs in found)
    assert html_to_text(out) == (
        "@dave have a look at https://example.test/a/rather/long/path/to/the/page "
        "#Gardening second line"
    )


def test_remote_html_keeps_gotosocial_and_misskey_markup() -> None:
    """Ensures code blocks, lists, quotes and emphasis sent by GoToSocial/Misskey survive."""
    out = clean_remote_html(GOTOSOCIAL_CONTENT + MISSKEY_CONTENT)
    tags = [tag for tag, _ in elements(out)]
    for tag in ("pre", "code", "ul", "li", "blockquote", "del", "strong", "em", "i", "b", "br"):
        assert tag in tags, tag
    assert "print(1 &lt; 2)" in out
    assert html_to_text(out) == (
        "hi @ann print(1 < 2) one two quoted old new e hello there next line"
    )


def test_remote_html_removes_relative_links_and_unknown_classes() -> None:
    """Ensures a relative href (it would point at our host) and foreign classes are dropped."""
    out = clean_remote_html(
        '<a href="/admin/delete" class="button mention">a</a><span class="evil ellipsis">b</span>'
    )
    assert elements(out) == [
        ("a", {"class": "mention", "rel": LINK_REL, "target": "_blank"}),
        ("span", {"class": "ellipsis"}),
    ]


def test_remote_html_images_go_through_the_rewrite_hook() -> None:
    """Ensures remote images must be absolute http(s) and are proxied or dropped by the hook."""
    source = '<img src="https://e.test/a.png" alt="a"><img src="/local.png"><img src="https://x.test/b.png">'

    def proxy(src: str) -> str | None:
        return None if "x.test" in src else "/proxy?url=" + src

    assert elements(clean_remote_html(source, rewrite_img_src=proxy)) == [
        ("img", {"src": "/proxy?url=https://e.test/a.png", "alt": "a"}),
    ]


def test_markdown_renders_common_features() -> None:
    """Ensures headings, emphasis, lists, code, quotes and strikethrough render."""
    out = render_markdown(
        "# Title\n\nSome *em*, **strong** and ~~gone~~ `x`.\n\n- one\n- two\n\n1. first\n\n"
        "> quote\n\n```python\nif a < b:\n    pass\n```\n"
    )
    assert "<h1>Title</h1>" in out
    assert "<em>em</em>" in out and "<strong>strong</strong>" in out and "<s>gone</s>" in out
    assert "<ul>\n<li>one</li>" in out and "<ol>\n<li>first</li>" in out
    assert "<blockquote>\n<p>quote</p>" in out
    assert '<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>' in out


def test_markdown_tables_keep_only_text_alignment() -> None:
    """Ensures tables render with their column alignment and nothing else in style."""
    out = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    cells = [(tag, attrs) for tag, attrs in elements(out) if tag in ("th", "td")]
    assert [attrs["style"] for _, attrs in cells] == [
        "text-align:left;",
        "text-align:right;",
        "text-align:left;",
        "text-align:right;",
    ]


def test_markdown_links_get_rel_and_keep_safe_urls() -> None:
    """Ensures http(s), mailto and relative links stay, with the nofollow/ugc rel."""
    out = render_markdown("[a](https://a.test/x) [b](/blog/post) [c](mailto:me@a.test)")
    assert elements(out)[1:] == [
        ("a", {"href": "https://a.test/x", "rel": LINK_REL}),
        ("a", {"href": "/blog/post", "rel": LINK_REL}),
        ("a", {"href": "mailto:me@a.test", "rel": LINK_REL}),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[a [b](javascript:alert(1))](https://ok.test)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x](javascript:alert(1))",
    ],
)
def test_markdown_never_produces_script_urls(source: str) -> None:
    """Ensures Markdown link syntax cannot produce a javascript:/data: link or image."""
    out = render_markdown(source)
    for _, attrs in elements(out):
        for name in ("href", "src"):
            if name in attrs:
                assert browser_scheme(attrs[name] or "") in SAFE_SCHEMES, out


def test_markdown_images_need_http_or_relative_source() -> None:
    """Ensures data: and host-relative (//host) images are dropped; http(s) and local stay."""
    out = render_markdown(
        "![a](https://e.test/a.png) ![b](data:image/png;base64,AAAA) ![c](/m/c.png) "
        "![d](//evil.test/d.png)"
    )
    assert [attrs["src"] for tag, attrs in elements(out) if tag == "img"] == [
        "https://e.test/a.png",
        "/m/c.png",
    ]


def test_markdown_image_rewrite_hook_replaces_or_drops() -> None:
    """Ensures the image hook can proxy a remote image and drop another."""
    out = render_markdown(
        "![a](https://e.test/a.png) ![b](https://bad.test/b.png)",
        rewrite_img_src=lambda src: None if "bad" in src else f"/proxy/{len(src)}",
    )
    assert [attrs["src"] for tag, attrs in elements(out) if tag == "img"] == ["/proxy/20"]


def test_status_text_escapes_html() -> None:
    """Ensures status text is plain text: markup in it is escaped, not rendered."""
    rendered = render_status_text(
        "<b>hi</b> & <script>x</script>", resolve_mention=lambda u, h: None
    )
    assert rendered.html == "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</p>"


def test_status_text_links_urls_and_trims_punctuation() -> None:
    """Ensures bare URLs become links without the sentence punctuation that follows them."""
    rendered = render_status_text(
        "See https://a.test/x?y=1&z=2. Or (https://en.wikipedia.test/wiki/Foo_(bar)), ok?",
        resolve_mention=lambda u, h: None,
    )
    assert rendered.links == [
        "https://a.test/x?y=1&z=2",
        "https://en.wikipedia.test/wiki/Foo_(bar)",
    ]
    hrefs = [attrs["href"] for tag, attrs in elements(rendered.html) if tag == "a"]
    assert hrefs == rendered.links
    assert html_to_text(rendered.html) == (
        "See https://a.test/x?y=1&z=2. Or (https://en.wikipedia.test/wiki/Foo_(bar)), ok?"
    )


def test_status_text_shortens_long_urls_like_mastodon() -> None:
    """Ensures long URLs show the scheme hidden and the tail behind an ellipsis span."""
    url = "https://www.example.test/a/very/long/path/that/goes/on/and/on"
    rendered = render_status_text(url, resolve_mention=lambda u, h: None)
    assert rendered.html == (
        f'<p><a href="{url}" rel="{LINK_REL}" target="_blank">'
        '<span class="invisible">https://www.</span>'
        '<span class="ellipsis">example.test/a/very/long/path/</span>'
        '<span class="invisible">that/goes/on/and/on</span></a></p>'
    )


def test_status_text_url_stops_at_chinese_punctuation() -> None:
    """Ensures a URL written without a space before Chinese punctuation ends there."""
    rendered = render_status_text(
        "看这个https://a.test/页面，很好。", resolve_mention=lambda u, h: None
    )
    assert rendered.links == ["https://a.test/页面"]
    assert rendered.html.endswith("</a>，很好。</p>")


def test_status_text_does_not_link_script_urls() -> None:
    """Ensures only http(s) URLs become links: javascript: stays text."""
    rendered = render_status_text(
        "javascript:alert(1) data:text/html,x", resolve_mention=lambda u, h: None
    )
    assert rendered.links == []
    assert "<a" not in rendered.html


def test_status_text_links_resolved_mentions() -> None:
    """Ensures @user and @user@host become profile links when the resolver knows them."""
    people = {
        ("bob", None): "https://local.test/@bob",
        ("carol", "remote.test"): "https://remote.test/users/carol",
    }
    calls: list[tuple[str, str | None]] = []

    def resolve(user: str, host: str | None) -> str | None:
        calls.append((user, host))
        return people.get((user, host))

    rendered = render_status_text(
        "hi @bob, @carol@remote.test and @zed@remote.test!", resolve_mention=resolve
    )
    assert calls == [("bob", None), ("carol", "remote.test"), ("zed", "remote.test")]
    assert rendered.mentions == [
        ("bob", None, "https://local.test/@bob"),
        ("carol", "remote.test", "https://remote.test/users/carol"),
    ]
    links = [attrs for tag, attrs in elements(rendered.html) if tag == "a"]
    assert [(a["href"], a["class"]) for a in links] == [
        ("https://local.test/@bob", "u-url mention"),
        ("https://remote.test/users/carol", "u-url mention"),
    ]
    assert html_to_text(rendered.html) == "hi @bob, @carol and @zed@remote.test!"


def test_status_text_ignores_email_addresses_and_escapes_profile_urls() -> None:
    """Ensures an email is not a mention and a resolver's URL is attribute-escaped."""
    rendered = render_status_text(
        "mail bob@remote.test or ping @eve",
        resolve_mention=lambda u, h: 'https://x.test/"><script>' if u == "eve" else "https://no",
    )
    assert [m[0] for m in rendered.mentions] == ["eve"]
    assert "<script>" not in rendered.html
    assert elements(rendered.html)[2] == (
        "a",
        {"href": 'https://x.test/"><script>', "class": "u-url mention", "rel": LINK_REL},
    )


def test_status_text_does_not_link_mentions_to_script_urls() -> None:
    """Ensures a profile URL taken from a hostile actor document cannot become a script link."""
    rendered = render_status_text(
        "hi @mallory@evil.test", resolve_mention=lambda u, h: "javascript:alert(1)"
    )
    assert rendered.mentions == []
    assert rendered.html == "<p>hi @mallory@evil.test</p>"


def test_status_text_collects_and_links_hashtags() -> None:
    """Ensures #tags (any script) are collected once each and linked through tag_url."""
    rendered = render_status_text(
        "#Python is fun #python #1 #天气 x#no &#38;",
        resolve_mention=lambda u, h: None,
        tag_url=lambda tag: f"/tags/{tag.lower()}",
    )
    assert rendered.tags == ["Python", "天气"]
    links = [attrs["href"] for tag, attrs in elements(rendered.html) if tag == "a"]
    assert links == ["/tags/python", "/tags/python", "/tags/天气"]
    assert "#1" in rendered.html and "x#no" in rendered.html


def test_status_text_hashtags_without_tag_url_stay_text() -> None:
    """Ensures hashtags are still collected when the caller has no tag page to link to."""
    rendered = render_status_text("#garden day", resolve_mention=lambda u, h: None)
    assert rendered.tags == ["garden"]
    assert rendered.html == "<p>#garden day</p>"


def test_status_text_newlines_become_paragraphs_and_breaks() -> None:
    """Ensures blank lines split paragraphs and single newlines become <br>."""
    rendered = render_status_text(
        "\r\none\r\ntwo\n\n\n  three\n", resolve_mention=lambda u, h: None
    )
    assert rendered.html == "<p>one<br>two</p><p>three</p>"
    assert render_status_text("  \n ", resolve_mention=lambda u, h: None).html == ""


def test_html_to_text_decodes_collapses_and_separates_blocks() -> None:
    """Ensures the excerpt decodes entities, keeps words apart and skips scripts."""
    text = html_to_text(
        "<p>Tom &amp; Jerry&nbsp;&lt;3</p><p>two\n\n  lines<br>x</p><script>bad()</script>"
    )
    assert text == "Tom & Jerry <3 two lines x"


def test_html_to_text_cuts_at_word_boundary_with_ellipsis() -> None:
    """Ensures long text is cut after a whole word and stays within max_len."""
    text = html_to_text("<p>The quick brown fox jumps over the lazy dog</p>", max_len=20)
    assert text == "The quick brown fox…"
    assert len(text) <= 20
    assert html_to_text("<p>short</p>", max_len=20) == "short"


def test_html_to_text_cuts_chinese_mid_run() -> None:
    """Ensures text without spaces (Chinese) is still cut to max_len."""
    assert html_to_text("<p>今天天气很好我们去公园散步吧</p>", max_len=8) == "今天天气很好我…"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("你好，世界", "你好-世界"),
        ("我的第一篇博客 My First Post", "我的第一篇博客-my-first-post"),
        ("ＦＵＬＬ　ｗｉｄｔｈ", "full-width"),
        ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
        ("🎉🎉🎉", "post"),
        ("", "post"),
        ("--- spaced   out ---", "spaced-out"),
    ],
)
def test_slugify_keeps_letters_of_any_script(title: str, slug: str) -> None:
    """Ensures slugs keep Unicode letters/digits, collapse the rest and never come out empty."""
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_at_a_hyphen() -> None:
    """Ensures a long slug is cut to max_len at a word boundary."""
    slug = slugify("alpha beta gamma delta epsilon", max_len=20)
    assert slug == "alpha-beta-gamma"
    assert len(slugify("x" * 200)) == 80


def test_rendering_emits_no_warnings(recwarn: pytest.WarningsRecorder) -> None:
    """Ensures bleach's configuration warnings (style without css_sanitizer) never fire."""
    render_markdown("| a |\n|--:|\n| 1 |\n")
    clean_remote_html('<p style="color:red">x</p>')
    assert len(recwarn) == 0
