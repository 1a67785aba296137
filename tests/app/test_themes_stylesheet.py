"""What pages get from a pack: the stylesheet with the owner's variables, and its assets."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from qspace.paths import BUNDLED_THEMES_DIR
from qspace.themes import (
    ThemeInvalid,
    ThemePack,
    asset_path,
    load_pack,
    pack_stylesheet,
    theme_attributes,
    validate_variable_values,
)

MINIMAL = Path(__file__).parents[1] / "data" / "themes" / "minimal"

VARIABLES = """
[variables.bg]
type = "image"
default = "assets/tile.png"
label = "Background"

[variables.font]
type = "font"
default = "assets/fonts/pixel.woff2, monospace"
label = "Font"

[variables.gap]
type = "length"
default = "1rem"
label = "Gap"

[variables.layout]
type = "choice"
default = "left"
options = ["left", "right"]
label = "Sidebar"
"""


@pytest.fixture
def pack(tmp_path: Path) -> ThemePack:
    """The minimal pack plus one variable of every type, an image and a font."""
    root = Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))
    (root / "assets" / "fonts").mkdir(parents=True)
    Image.new("RGB", (8, 8), "#abcdef").save(root / "assets" / "tile.png")
    (root / "assets" / "fonts" / "pixel.woff2").write_bytes(b"wOF2" + b"\0" * 60)
    (root / "assets" / "LICENSES.md").write_text("fonts/pixel.woff2: OFL-1.1\n")
    (root / "theme.toml").write_text((root / "theme.toml").read_text() + VARIABLES)
    (root / "style.css").write_text(
        ":root { background: var(--theme-bg); gap: var(--theme-gap) }\n"
        ".qs-panel { border-image: url(assets/tile.png) 2; font-family: var(--theme-font) }\n"
    )
    return load_pack(root)


# --- validate_variable_values -------------------------------------------------------------


def test_variable_values_are_normalised(pack):
    """Ensures good values pass, colours lower-cased and image paths normalised."""
    values = {"accent": "#ABCDEF", "bg": "./assets/tile.png", "gap": "12px", "layout": "right"}
    assert validate_variable_values(pack, values) == {
        "accent": "#abcdef",
        "bg": "assets/tile.png",
        "gap": "12px",
        "layout": "right",
    }


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("accent", "red", "is not a colour"),
        ("accent", "#12345g", "is not a colour"),
        ("accent", "#123; } body { display:none", "is not a colour"),
        ("gap", "expression(alert(1))", "is not a length"),
        ("gap", "10px; position: fixed", "is not a length"),
        ("layout", "center", "is not one of left, right"),
        ("bg", "../../theme.toml", "must be 'none', an image"),
        ("bg", "https://evil.example/x.png", "must be 'none', an image"),
        ("bg", "/media/../../etc/passwd", "must be 'none', an image"),
        ("font", "Comic Sans MS", "neither a generic family"),
        ("nope", "1", "minimal has no such variable"),
    ],
)
def test_variable_values_refuse_unsafe_input(pack, name, value, reason):
    """Ensures each kind of bad owner input is refused with a reason naming the variable."""
    with pytest.raises(ThemeInvalid) as caught:
        validate_variable_values(pack, {name: value})
    assert any(
        p.reason.startswith(f"{name}: ") and reason in p.reason for p in caught.value.problems
    )


def test_variable_values_accept_local_media_urls(pack):
    """Ensures an owner may use one of their uploads as a background image."""
    cleaned = validate_variable_values(pack, {"bg": "/media/AbC_123/large"})
    assert cleaned == {"bg": "/media/AbC_123/large"}


def test_variable_values_report_every_problem(pack):
    """Ensures all refused values are listed at once."""
    with pytest.raises(ThemeInvalid) as caught:
        validate_variable_values(pack, {"accent": "x", "gap": "y"})
    assert len(caught.value.problems) == 2


# --- pack_stylesheet ----------------------------------------------------------------------


def test_stylesheet_declares_every_variable_on_the_space_root(pack):
    """Ensures the variables block comes first, scoped to .space-root, with defaults."""
    css = pack_stylesheet(pack, {})
    block = css[css.index(".space-root {") :]
    assert "--theme-accent: #123456;" in block
    assert '--theme-bg: url("/themes/minimal/1.0.0/assets/tile.png");' in block
    assert '--theme-font: "qs-theme-font", monospace;' in block
    assert "--theme-gap: 1rem;" in block
    assert "--theme-layout: left;" in block


def test_stylesheet_uses_the_owner_values(pack):
    """Ensures valid owner values replace the defaults."""
    css = pack_stylesheet(pack, {"accent": "#FF0000", "bg": "none", "gap": "0"})
    assert "--theme-accent: #ff0000;" in css
    assert "--theme-bg: none;" in css
    assert "--theme-gap: 0;" in css


def test_stylesheet_falls_back_to_defaults_for_stale_values(pack):
    """Ensures a stored value the pack no longer accepts is replaced by the default."""
    css = pack_stylesheet(pack, {"accent": "</style><script>", "layout": "gone"})
    assert "--theme-accent: #123456;" in css
    assert "--theme-layout: left;" in css
    assert "</" not in css


def test_stylesheet_emits_font_face_for_pack_fonts(pack):
    """Ensures a font variable naming a pack file gets an @font-face at the asset URL."""
    css = pack_stylesheet(pack, {})
    assert '@font-face {\n  font-family: "qs-theme-font";' in css
    assert 'src: url("/themes/minimal/1.0.0/assets/fonts/pixel.woff2") format("woff2");' in css


def test_stylesheet_rewrites_urls_and_scopes_selectors(pack):
    """Ensures style.css url()s point at the asset route and selectors stay in the space."""
    css = pack_stylesheet(pack, {})
    assert 'border-image: url("/themes/minimal/1.0.0/assets/tile.png") 2;' in css
    assert ".space-root .qs-panel {" in css
    assert "url(assets/" not in css


@pytest.mark.parametrize("theme_id", ["default", "retro", "midnight"])
def test_bundled_stylesheets_build(theme_id):
    """Ensures each bundled pack yields a stylesheet with its variables and no stray URLs."""
    bundled = load_pack(BUNDLED_THEMES_DIR / theme_id, bundled=True)
    css = pack_stylesheet(bundled, {})
    assert css.startswith(".space-root {\n  --theme-")
    assert all(f"--theme-{name}:" in css for name in bundled.variables)
    assert "url(assets/" not in css and "</" not in css


def test_theme_attributes_expose_choices(pack):
    """Ensures choice variables become data-theme-<name> attributes, invalid ones defaulted."""
    assert theme_attributes(pack, {"layout": "right"}) == {"data-theme-layout": "right"}
    assert theme_attributes(pack, {"layout": 'evil"><x'}) == {"data-theme-layout": "left"}


# --- asset_path ---------------------------------------------------------------------------


def test_asset_path_resolves_assets_and_the_preview(pack):
    """Ensures assets and the preview image resolve to files inside the pack."""
    assert asset_path(pack, "assets/tile.png") == pack.root / "assets" / "tile.png"
    assert asset_path(pack, "preview.png") == pack.root / "preview.png"


@pytest.mark.parametrize(
    "relative",
    ["theme.toml", "style.css", "../minimal/theme.toml", "assets/../theme.toml", "/etc/passwd"]
    + ["assets/missing.png", "assets\\tile.png", "assets/%2e%2e/theme.toml", ""],
)
def test_asset_path_refuses_anything_else(pack, relative):
    """Ensures only existing files under assets/ (or the preview) are ever served."""
    assert asset_path(pack, relative) is None


def test_asset_path_refuses_a_symlink_added_later(pack, tmp_path):
    """Ensures a symlink placed in an installed pack is not followed."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"x")
    os.symlink(secret, pack.root / "assets" / "link.png")
    assert asset_path(pack, "assets/link.png") is None
