"""Atom feeds of each space's public items."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response

from qspace.html import html_to_text
from qspace.models import ItemKind
from qspace.services import items, spaces
from qspace.services.audience import ANONYMOUS

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def atom(request: Request) -> Response:
    """The newest public status updates and blog posts of a space as Atom 1.0 (RFC 4287).

    Built with ElementTree so every value is escaped; only what an anonymous visitor may see
    goes in (the same audience rule as the pages).
    """
    space = await spaces.get_space(request.path_params["name"])
    urls = request.app.state.services.urls
    found = await items.space_items(
        space, ANONYMOUS, kinds=(ItemKind.STATUS, ItemKind.BLOG), limit=30
    )
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}id").text = urls.space(space.name)
    ET.SubElement(root, f"{{{ATOM}}}title").text = space.display_name or space.name
    if space.mood:
        ET.SubElement(root, f"{{{ATOM}}}subtitle").text = space.mood
    newest = max((i.updated_at or i.published_at for i in found), default=space.created_at)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _stamp(newest)
    ET.SubElement(root, f"{{{ATOM}}}link", href=urls.space(space.name), rel="alternate")
    ET.SubElement(root, f"{{{ATOM}}}link", href=f"{urls.space(space.name)}/feed.atom", rel="self")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = space.display_name or space.name
    ET.SubElement(author, f"{{{ATOM}}}uri").text = urls.space(space.name)
    for item in found:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item.ap_id
        title = item.title or html_to_text(item.content_html, 80) or "Status update"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title
        ET.SubElement(entry, f"{{{ATOM}}}link", href=item.url or item.ap_id, rel="alternate")
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _stamp(item.published_at)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(
            item.updated_at or item.published_at
        )
        content = ET.SubElement(entry, f"{{{ATOM}}}content", type="html")
        content.text = item.content_html
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
