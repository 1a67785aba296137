"""Remote images shown on local pages: fetched once, size-limited, cached on disk.

Pages never hot-link another server's files (that would tell it who looks at what, and let it
change what a page shows). They link `/proxy/media/{capability}` for a remote attachment and
`/proxy/avatar/{actor id}` for a remote avatar instead: only URLs that arrived in an object or
actor document can be fetched, so the proxy is not an open one. Fetches go through the app's
SSRF-guarded client, follow at most a few redirects, accept image types only (never SVG) and
stop past `MAX_IMAGE_BYTES`; the cache evicts its oldest files past `CACHE_MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx

from federation.errors import FederationError
from qspace.models import Actor, Item, Media

MAX_IMAGE_BYTES = 8 * 1024 * 1024
CACHE_MAX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 3
# Raster types browsers render as images; SVG is left out on purpose (it can carry script).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})


class ProxyError(Exception):
    """The remote image cannot be shown (unreachable, too large, not an image)."""


@dataclass(frozen=True)
class CachedImage:
    path: Path
    mime: str


def media_src(media: Media, local_src: str) -> str:
    """Where a page loads a Media row's image: the proxy for remote files, else `local_src`."""
    return f"/proxy/media/{media.capability}" if media.remote_url else local_src


def avatar_src(actor: Actor | None) -> str:
    """Where a page loads an actor's avatar: the proxy for remote actors ("" without one)."""
    if actor is None or not actor.icon_url:
        return ""
    return f"/proxy/avatar/{actor.id}" if not actor.is_local else actor.icon_url


def remote_item_path(item: Item) -> str:
    """The local page of a remote item (its card, thread and comment form)."""
    return f"/remote/items/{item.id}"


def _cache_paths(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode()).hexdigest()
    return cache_dir / key[:2] / key, cache_dir / key[:2] / f"{key}.type"


def cached(cache_dir: Path, url: str) -> CachedImage | None:
    """The cached copy of `url`, if there is one."""
    body, kind = _cache_paths(cache_dir, url)
    try:
        mime = kind.read_text().strip()
        os.utime(body)  # recently used: evicted last
    except OSError:
        return None
    return CachedImage(body, mime)


async def _download(client: httpx.AsyncClient, url: str, *, allow_http: bool) -> tuple[bytes, str]:
    """GET an image, following a few redirects; raises ProxyError."""
    for _hop in range(MAX_REDIRECTS + 1):
        parsed = httpx.URL(url)
        if parsed.scheme != "https" and not (allow_http and parsed.scheme == "http"):
            raise ProxyError(f"refused scheme: {url}")
        try:
            async with client.stream(
                "GET", url, headers={"Accept": "image/*"}, follow_redirects=False
            ) as response:
                if response.status_code in (301, 302, 303, 307, 308):
                    url = str(parsed.join(response.headers.get("Location", "")))
                    continue
                if response.status_code != 200:
                    raise ProxyError(f"{url} answered {response.status_code}")
                mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if mime not in IMAGE_TYPES:
                    raise ProxyError(f"{url} is {mime or 'untyped'}, not an image")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_IMAGE_BYTES:
                        raise ProxyError(f"{url} is larger than {MAX_IMAGE_BYTES} bytes")
                return bytes(body), mime
        except (httpx.HTTPError, FederationError) as exc:  # the SSRF guard's refusals too
            raise ProxyError(f"{url}: {exc}") from exc
    raise ProxyError(f"{url}: too many redirects")


async def fetch_image(
    client: httpx.AsyncClient, url: str, cache_dir: Path, *, allow_http: bool = False
) -> CachedImage:
    """The image at `url`, from the cache or fetched into it.

    Raises ProxyError when it cannot be fetched or is not an acceptable image.
    """
    hit = cached(cache_dir, url)
    if hit is not None:
        return hit
    body, mime = await _download(client, url, allow_http=allow_http)
    path, kind = _cache_paths(cache_dir, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temp.write_bytes(body)
    kind.write_text(mime)
    os.replace(temp, path)  # readers see the whole file or none
    evict(cache_dir, CACHE_MAX_BYTES)
    return CachedImage(path, mime)


def evict(cache_dir: Path, max_bytes: int) -> int:
    """Delete the least recently used cached images until the cache fits; return how many."""
    files = [p for p in cache_dir.glob("*/*") if p.is_file() and p.suffix != ".type"]
    stats = sorted(((p.stat(), p) for p in files), key=lambda sp: sp[0].st_mtime)
    total = sum(s.st_size for s, _p in stats)
    removed = 0
    for stat, path in stats:
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        path.with_name(f"{path.name}.type").unlink(missing_ok=True)
        total -= stat.st_size
        removed += 1
    return removed
