"""The HTML policy: render local Markdown and status text, clean remote HTML, derive text and slugs.

Everything that turns user or remote input into HTML passes through this module so that the
allowlists live in one place. Pure functions: no settings, no I/O; callers pass hooks (mention
resolver, hashtag URLs, image proxy).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bleach.css_sanitizer import CSSSanitizer
from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ImageRewriter = Callable[[str], str | None]
MentionResolver = Callable[[str, str | None], str | None]

LINK_REL = "nofollow noopener ugc"
SAFE_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_WEB_SCHEMES = frozenset({"http", "https"})

_MARKDOWN_TAGS = frozenset(
    {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code"}
    | {"pre", "blockquote", "ul", "ol", "li", "a", "img"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
# What Mastodon, GoToSocial, Misskey and Akkoma put in a Note's `content`.
_REMOTE_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "s", "pre", "code", "blockquote", "strong", "b", "em", "i"}
    | {"u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "sup", "sub", "hr", "img"}
)
# Removed together with everything inside them: their text is code, styling or hidden markup,
# not prose. They must reach the tree builder (so it knows where they end) and are then dropped
# by _PolicyFilter before serialization; they never reach the output.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "noscript", "noembed", "noframes"}
    | {"svg", "math", "xmp", "textarea", "title"}
)
_REMOTE_CLASSES = frozenset({"mention", "hashtag", "invisible", "ellipsis"})
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
# Markdown tables align columns with style="text-align:..."; bleach warns (and drops the
# attribute) unless a CSS sanitizer is configured, so allow exactly that one property.
_TABLE_ALIGN_CSS = CSSSanitizer(
    allowed_css_properties=frozenset({"text-align"}), allowed_svg_properties=frozenset()
)


def _is_language_class(tag: str, name: str, value: str) -> bool:
    """Allow only the `class="language-x"` that markdown-it puts on fenced code."""
    return name == "class" and _LANGUAGE_CLASS.fullmatch(value) is not None


_MARKDOWN_ATTRIBUTES: dict[str, Any] = {
    "a": ["href", "title"],
    "img": ["src", "alt", "title"],
    "ol": ["start"],
    "th": ["style"],
    "td": ["style"],
    "code": _is_language_class,
}
_REMOTE_ATTRIBUTES: dict[str, Any] = {
    "a": ["href", "title", "class"],
    "span": ["class"],
    "ol": ["start", "reversed"],
    "li": ["value"],
    "img": ["src", "alt", "title"],
}


@functools.cache
def _markdown() -> MarkdownIt:
    """The Markdown renderer, built on first use: only writing a post needs it, and the
    parser's rule tables cost an idle server about a MiB."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class _Policy:
    """What _PolicyFilter enforces beyond bleach's tag/attribute/scheme allowlist."""

    relative_urls: bool
    target_blank: bool
    classes: frozenset[str] | None  # None: leave class attributes as the sanitizer kept them


_MARKDOWN_POLICY = _Policy(relative_urls=True, target_blank=False, classes=None)
# Remote content is shown on our pages: a relative URL in it would point at *our* host.
_REMOTE_POLICY = _Policy(relative_urls=False, target_blank=True, classes=_REMOTE_CLASSES)


def _url_allowed(url: str, schemes: Collection[str], *, relative: bool) -> bool:
    """Tell whether a URL has one of `schemes`, or is a same-host relative URL and `relative`."""
    # Browsers ignore whitespace and control characters inside a scheme ("jav\tascript:") and
    # read "/\\host" like "//host": normalise both before looking.
    squeezed = re.sub(r"[\x00-\x20\x7f-\xa0]+", "", url).replace("\\", "/")
    try:
        scheme = urlsplit(squeezed).scheme.lower()
    except ValueError:
        return False
    if scheme:
        return scheme in schemes
    # "//host/x" is relative only in name: it loads from another host.
    return relative and not squeezed.startswith("//")


class _PolicyFilter(Filter):  # type: ignore[misc]
    """An html5lib filter run after bleach's sanitizer: link rel/target, classes, images."""

    def __init__(
        self, source: Any, *, policy: _Policy, rewrite_img_src: ImageRewriter | None
    ) -> None:
        super().__init__(source)
        self.policy = policy
        self.rewrite_img_src = rewrite_img_src

    def __iter__(self) -> Iterator[dict[str, Any]]:
        dropping = 0  # depth inside an element of _DROPPED_WITH_CONTENT
        for token in super().__iter__():
            kind = token["type"]
            if dropping:
                # The tree walker emits balanced Start/End tags, so depth counting is exact.
                dropping += {"StartTag": 1, "EndTag": -1}.get(kind, 0)
                continue
            name = token.get("name")
            if name in _DROPPED_WITH_CONTENT:
                dropping = 1 if kind == "StartTag" else 0
                continue
            if kind in ("StartTag", "EmptyTag"):
                attrs: dict[tuple[str | None, str], str] = token.setdefault("data", {})
                if name == "img" and not self._keep_image(attrs):
                    continue
                if name == "a":
                    self._apply_link_policy(attrs)
                self._filter_classes(attrs)
            yield token

    def _apply_link_policy(self, attrs: dict[tuple[str | None, str], str]) -> None:
        href = attrs.get((None, "href"))
        if href is not None and not _url_allowed(
            href, SAFE_URL_SCHEMES, relative=self.policy.relative_urls
        ):
            del attrs[(None, "href")]
        attrs[(None, "rel")] = LINK_REL
        if self.policy.target_blank:
            attrs[(None, "target")] = "_blank"

    def _keep_image(self, attrs: dict[tuple[str | None, str], str]) -> bool:
        src = attrs.get((None, "src"))
        if not src or not _url_allowed(src, _WEB_SCHEMES, relative=self.policy.relative_urls):
            return False
        if self.rewrite_img_src is not None:
            new_src = self.rewrite_img_src(src)
            if new_src is None:
                return False
            attrs[(None, "src")] = new_src
        return True

    def _filter_classes(self, attrs: dict[tuple[str | None, str], str]) -> None:
        allowed = self.policy.classes
        if allowed is None or (None, "class") not in attrs:
            return
        kept = [name for name in attrs[(None, "class")].split() if name in allowed]
        if kept:
            attrs[(None, "class")] = " ".join(kept)
        else:
            del attrs[(None, "class")]


def _clean(
    fragment: str,
    *,
    tags: frozenset[str],
    attributes: dict[str, Any],
    policy: _Policy,
    rewrite_img_src: ImageRewriter | None,
) -> str:
    # A Cleaner holds parser state and is not thread-safe (bleach docs): build one per call.
    cleaner = Cleaner(
        tags=tags | _DROPPED_WITH_CONTENT,
        attributes=attributes,
        protocols=SAFE_URL_SCHEMES,
        strip=True,
        strip_comments=True,
        filters=[partial(_PolicyFilter, policy=policy, rewrite_img_src=rewrite_img_src)],
        css_sanitizer=_TABLE_ALIGN_CSS,
    )
    return str(cleaner.clean(fragment))


def render_markdown(source: str, *, rewrite_img_src: ImageRewriter | None = None) -> str:
    """Render a local author's Markdown (CommonMark, tables, strikethrough) to safe HTML.

    Raw HTML in the source is shown as text. Links get `rel="nofollow noopener ugc"`; only
    http(s), mailto and relative URLs survive. Images need an http(s) or relative `src`;
    `rewrite_img_src(src)` may replace it (e.g. with a media proxy URL) or return None to drop
    the image.
    """
    return _clean(
        _markdown().render(source),
        tags=_MARKDOWN_TAGS,
        attributes=_MARKDOWN_ATTRIBUTES,
        policy=_MARKDOWN_POLICY,
        rewrite_img_src=rewrite_img_src,
    )


def clean_remote_html(html_text: str, *, rewrite_img_src: ImageRewriter | None = None) -> str:
    """Sanitize HTML received from another server (a Note's `content`, an actor's `summary`).

    Keeps the markup fediverse servers send (paragraphs, links, mention/hashtag/invisible/
    ellipsis classes, code, lists, quotes, emphasis); removes everything else, including the
    contents of script/style/svg and the like. Links must be absolute http(s) or mailto and get
    `rel="nofollow noopener ugc" target="_blank"`; images must be absolute http(s) and go
    through `rewrite_img_src` when given (None drops the image).
    """
    return _clean(
        html_text,
        tags=_REMOTE_TAGS,
        attributes=_REMOTE_ATTRIBUTES,
        policy=_REMOTE_POLICY,
        rewrite_img_src=rewrite_img_src,
    )


@dataclass(frozen=True)
class RenderedText:
    """A status update rendered to HTML, with what it mentions, links to and is tagged with.

    `mentions` holds (user, host or None, profile URL) for each resolved mention.
    """

    html: str
    mentions: list[tuple[str, str | None, str]]
    links: list[str]
    tags: list[str]


# Status text is tokenized here rather than with bleach.linkify: bleach's fixed TLD list misses
# most fediverse hosts (mastodon.social, *.dev) yet links bare names like "README.md", and
# markdown-it's linkify needs linkify-it-py, which is not in the stack. One regex pass over plain
# text means no HTML is parsed at all: every text run goes through html.escape and every href is
# built here from an http(s) match.
# Bare URLs need an explicit http(s) scheme (as on Mastodon). They end at whitespace, at
# characters that cannot appear unescaped in a URL, and at CJK punctuation, which Chinese text
# puts right after a URL without a space ("看这个https://example.com/a，很好").
_URL_PATTERN = r"(?<![A-Za-z0-9])https?://[^\s<>\"`，。！？、；：「」『』（）【】《》]+"
# Mastodon's rules: a mention/hashtag must not follow a word character, "/" or "=" (emails,
# URL fragments); a hashtag needs at least one letter ("#1" is not a tag).
_MENTION_PATTERN = (
    r"(?<![\w@/=.])@(?P<user>[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
    r"(?:@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?))?"
)
_HASHTAG_PATTERN = r"(?<![\w&/=#])#(?P<tag>\w*[^\W\d_]\w*)"
_STATUS_TOKEN = re.compile(
    f"(?P<url>{_URL_PATTERN})|(?P<mention>{_MENTION_PATTERN})|(?P<hashtag>{_HASHTAG_PATTERN})"
)
_URL_TRAILING_PUNCTUATION = ".,:;!?'\""
_URL_BRACKETS = {")": "(", "]": "[", "}": "{"}
_URL_DISPLAY_LEN = 30


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that end a matched URL."""
    while url and (
        url[-1] in _URL_TRAILING_PUNCTUATION
        or (url[-1] in _URL_BRACKETS and url.count(url[-1]) > url.count(_URL_BRACKETS[url[-1]]))
    ):
        url = url[:-1]
    return url


def _link_html(url: str) -> str:
    """Render a bare URL the way Mastodon does: scheme hidden, long paths cut with an ellipsis."""
    scheme, _, rest = url.partition("://")
    prefix = f"{scheme}://"
    if rest.startswith("www."):
        prefix, rest = prefix + "www.", rest[4:]
    shown, hidden = rest[:_URL_DISPLAY_LEN], rest[_URL_DISPLAY_LEN:]
    shown_class = ' class="ellipsis"' if hidden else ""
    return (
        f'<a href="{html.escape(url)}" rel="{LINK_REL}" target="_blank">'
        f'<span class="invisible">{html.escape(prefix)}</span>'
        f"<span{shown_class}>{html.escape(shown)}</span>"
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


@dataclass
class _StatusRenderer:
    """Accumulates links, mentions and tags while rendering one status text."""

    resolve_mention: MentionResolver
    tag_url: Callable[[str], str] | None
    mentions: list[tuple[str, str | None, str]]
    links: list[str]
    tags: list[str]

    def line(self, text: str) -> str:
        """Render one line: escaped text with links for URLs, known mentions and hashtags."""
        out: list[str] = []
        end = 0
        for match in _STATUS_TOKEN.finditer(text):
            replacement = self._token(match)
            if replacement is None:
                continue
            html_text, consumed_to = replacement
            out.append(html.escape(text[end : match.start()]))
            out.append(html_text)
            end = consumed_to
        out.append(html.escape(text[end:]))
        return "".join(out)

    def _token(self, match: re.Match[str]) -> tuple[str, int] | None:
        """Return the HTML for a match and where it ends, or None to leave it as text."""
        if match["url"]:
            url = _trim_url(match["url"])
            if "://" not in url or url.endswith("://"):
                return None
            if url not in self.links:
                self.links.append(url)
            return _link_html(url), match.start() + len(url)
        if match["mention"]:
            user, host = match["user"], match["host"]
            profile_url = self.resolve_mention(user, host)
            # The URL may come from a remote actor document: never link anything but the web.
            if profile_url is None or not _url_allowed(profile_url, _WEB_SCHEMES, relative=True):
                return None
            if not any(u == user and h == host for u, h, _ in self.mentions):
                self.mentions.append((user, host, profile_url))
            link = (
                f'<span class="h-card"><a href="{html.escape(profile_url)}" class="u-url mention"'
                f' rel="{LINK_REL}">@<span>{html.escape(user)}</span></a></span>'
            )
            return link, match.end()
        tag = match["tag"]
        if tag.casefold() not in (known.casefold() for known in self.tags):
            self.tags.append(tag)
        if self.tag_url is None:
            return None
        link = (
            f'<a href="{html.escape(self.tag_url(tag))}" class="mention hashtag" rel="tag">'
            f"#<span>{html.escape(tag)}</span></a>"
        )
        return link, match.end()


def render_status_text(
    text: str,
    *,
    resolve_mention: MentionResolver,
    tag_url: Callable[[str], str] | None = None,
) -> RenderedText:
    """Render a plain-text status update to HTML paragraphs with links, mentions and hashtags.

    Text is HTML-escaped, never parsed as Markdown or HTML. Bare http(s) URLs become links.
    `@user` and `@user@host` become links when `resolve_mention(user, host)` returns a profile
    URL (it is called synchronously for each occurrence: pass a lookup over already-known
    people, not a network fetch). `#tags` are always collected; they become links only when
    `tag_url` is given. Blank lines separate paragraphs; single newlines become `<br>`.
    """
    renderer = _StatusRenderer(resolve_mention, tag_url, mentions=[], links=[], tags=[])
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n\s*", normalized) if p.strip()]
    rendered = "".join(
        "<p>" + "<br>".join(renderer.line(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return RenderedText(rendered, renderer.mentions, renderer.links, renderer.tags)


# Elements whose end (or start) separates words even without surrounding whitespace.
_TEXT_BREAK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "blockquote", "pre", "tr", "td", "th", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "header", "footer"}
)
_TEXT_SKIPPED_TAGS = frozenset({"script", "style", "template"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; entities are decoded by the parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _TEXT_SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _TEXT_BREAK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _TEXT_SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _TEXT_BREAK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _truncate(text: str, max_len: int) -> str:
    """Cut text to at most max_len characters, at a word boundary when there is one nearby."""
    if len(text) <= max_len:
        return text
    if max_len < 2:
        return "…"[:max_len]
    cut = text[: max_len - 1]
    space = cut.rfind(" ")
    # Chinese and Japanese have no spaces between words: cut mid-run rather than lose half.
    if text[max_len - 1] != " " and space >= max_len // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:!?-–—、，。") + "…"


def html_to_text(html_text: str, max_len: int | None = None) -> str:
    """Turn an HTML fragment into one line of plain text, optionally cut with an ellipsis.

    The result is text, not markup: escape it before putting it into HTML (Jinja autoescape
    does). Script/style contents are left out; whitespace is collapsed.
    """
    extractor = _TextExtractor()
    extractor.feed(html_text)
    extractor.close()
    text = " ".join("".join(extractor.parts).split())
    return text if max_len is None else _truncate(text, max_len)


def slugify(title: str, max_len: int = 80) -> str:
    """Make a URL slug from a title, keeping letters and digits of any script ("你好-world").

    NFKC-normalises and lower-cases; every run of other characters becomes one "-". Returns
    "post" when nothing is left (an emoji-only title). Callers percent-encode non-ASCII slugs
    when they build URLs and make slugs unique themselves.
    """
    chars: list[str] = []
    for ch in unicodedata.normalize("NFKC", title).lower():
        category = unicodedata.category(ch)
        # Marks (M*) belong to the letter before them (Devanagari vowel signs, Thai tones).
        keep = category[0] in "LN" or (category[0] == "M" and chars and chars[-1] != "-")
        chars.append(ch if keep else "-")
    slug = re.sub(r"-{2,}", "-", "".join(chars)).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len]
        boundary = slug.rfind("-")
        if boundary >= max_len // 2:
            slug = slug[:boundary]
        slug = slug.strip("-")
    return slug or "post"
