"""`qspace theme new ID`: write a small pack folder that validates, for an author to start from."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qspace.themes.limits import THEME_ID
from qspace.themes.problems import ThemeConflict, ThemeError
from qspace.themes.versions import qspace_version, release_of

THEME_TOML = """\
# A qspace skin pack. The format is documented in themes/README.md of the qspace sources.
id = "{id}"
name = "{name}"
version = "0.1.0"
author = "Your Name"
license = "CC-BY-4.0"
description = "A new qspace theme."
# homepage = "https://example.org/{id}"
qspace = "{qspace}"
preview = "preview.png"

# Each variable becomes the CSS custom property --theme-<name>; space owners can change it.
[variables.accent]
type = "color"
default = "#3366cc"
label = "Accent colour"

[variables.background]
type = "color"
default = "#f4f6fb"
label = "Page background"

[variables.pattern]
type = "image"
default = "assets/pattern.png"
label = "Background pattern"

[variables.font]
type = "font"
default = "sans-serif"
label = "Text font"

[variables.radius]
type = "length"
default = "8px"
label = "Corner radius"
"""

STYLE_CSS = """\
/* Selectors are scoped to the space: ":root" is the space container (.space-root). */
:root {
  background: var(--theme-background) var(--theme-pattern) repeat;
  color: #1d2433;
  font-family: var(--theme-font);
}

.qs-panel {
  background: #ffffff;
  border-radius: var(--theme-radius);
  padding: 1rem;
  margin-bottom: 1rem;
}

.qs-display-name,
.qs-module h2 {
  color: var(--theme-accent);
}

.qs-meta,
.qs-empty {
  color: #5b6475;
  font-size: 0.875rem;
}

.qs-modules.qs-layout-sidebar {
  display: grid;
  grid-template-columns: 2fr 1fr;
  gap: 1rem;
}

@media (max-width: 700px) {
  .qs-modules.qs-layout-sidebar {
    grid-template-columns: 1fr;
  }
}
"""


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _preview() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), "#f4f6fb")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((32, 32, 608, 120), radius=8, fill="#ffffff")
    draw.ellipse((48, 44, 112, 108), fill="#3366cc")
    draw.rectangle((128, 56, 360, 72), fill="#3366cc")
    draw.rectangle((128, 84, 280, 96), fill="#5b6475")
    for top in (140, 260):
        draw.rounded_rectangle((32, top, 400, top + 104), radius=8, fill="#ffffff")
    draw.rounded_rectangle((416, 140, 608, 364), radius=8, fill="#ffffff")
    return _png(image)


def _pattern() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (16, 16), "#f4f6fb")
    ImageDraw.Draw(image).point([(0, 0), (8, 8)], fill="#dfe4f0")
    return _png(image)


def new_pack(theme_id: str, parent: Path, *, name: str | None = None) -> Path:
    """Write the pack folder `parent/<theme_id>/` and return it.

    Raises ThemeError for an id that is not [a-z0-9-]{1,40}, ThemeConflict when the folder
    exists already (nothing is overwritten).
    """
    if not THEME_ID.fullmatch(theme_id):
        raise ThemeError(f"theme id {theme_id!r} must match [a-z0-9-]{{1,40}}")
    root = parent / theme_id
    if root.exists():
        raise ThemeConflict(f"{root} exists already")
    major, minor, _ = release_of(qspace_version())
    display = name or theme_id.replace("-", " ").title()
    (root / "assets").mkdir(parents=True)
    (root / "theme.toml").write_text(
        THEME_TOML.format(
            id=theme_id,
            name=display.replace("\\", "").replace('"', ""),
            qspace=f">={major}.{minor},<{major + 1}",
        ),
        encoding="utf-8",
    )
    (root / "style.css").write_text(STYLE_CSS, encoding="utf-8")
    (root / "preview.png").write_bytes(_preview())
    (root / "assets" / "pattern.png").write_bytes(_pattern())
    return root
