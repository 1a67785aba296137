"""The space page's modules: which ones show, in what order, in which column (stored as JSON)."""

from __future__ import annotations

from typing import Any

from qspace.models import Space

MODULES = ("about", "statuses", "blog", "albums", "guestbook", "friends", "visitors", "music")
COLUMNS = ("main", "side")
DEFAULT_LAYOUT: list[dict[str, Any]] = [
    {"id": "about", "column": "side", "visible": True},
    {"id": "statuses", "column": "main", "visible": True},
    {"id": "blog", "column": "main", "visible": True},
    {"id": "albums", "column": "main", "visible": True},
    {"id": "guestbook", "column": "main", "visible": True},
    {"id": "friends", "column": "side", "visible": True},
    {"id": "visitors", "column": "side", "visible": True},
    {"id": "music", "column": "side", "visible": False},
]


def clean_layout(raw: Any) -> list[dict[str, Any]]:
    """A complete, valid module list from stored or submitted data: unknown modules and bad
    values are dropped, missing modules are appended (hidden) so none is ever lost."""
    modules = raw.get("modules") if isinstance(raw, dict) else None
    seen: set[str] = set()
    result: list[dict[str, Any]] = []
    for entry in modules if isinstance(modules, list) else []:
        if not isinstance(entry, dict):
            continue
        module = entry.get("id")
        if module not in MODULES or module in seen:
            continue
        seen.add(module)
        result.append(
            {
                "id": module,
                "column": entry.get("column") if entry.get("column") in COLUMNS else "main",
                "visible": bool(entry.get("visible", True)),
            }
        )
    for default in DEFAULT_LAYOUT:
        if default["id"] not in seen:
            result.append({**default, "visible": default["visible"] if not result else False})
    return result


def layout_of(space: Space) -> list[dict[str, Any]]:
    return clean_layout(space.layout) if space.layout else [dict(m) for m in DEFAULT_LAYOUT]


async def save_layout(space: Space, modules: list[dict[str, Any]]) -> None:
    space.layout = {"modules": clean_layout({"modules": modules})}
    await space.save(update_fields=["layout", "updated_at"])
