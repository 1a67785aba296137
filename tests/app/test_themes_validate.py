"""The pack validator: every rule refused by a hostile pack of its own, and its report format."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from qspace.cli import main
from qspace.paths import BUNDLED_THEMES_DIR
from qspace.themes import Problem, ThemeInvalid, load_pack, validate_pack
from qspace.themes.validate import check_folder

MINIMAL = Path(__file__).parents[1] / "data" / "themes" / "minimal"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid pack, to break one rule in."""
    return Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def png(root: Path, relative: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (2, 2), "#ff0000").save(path, format="PNG")


def add_variable(root: Path, name: str, kind: str, default: str) -> None:
    toml = root / "theme.toml"
    text = f'\n[variables.{name}]\ntype = "{kind}"\ndefault = "{default}"\nlabel = "{name}"\n'
    toml.write_text(toml.read_text() + text)


def refused(root: Path, file: str, reason: str, line: int | None = None) -> list[Problem]:
    problems = validate_pack(root)
    matching = [p for p in problems if p.file == file and reason in p.reason]
    assert matching, problems
    if line is not None:
        assert any(p.line == line for p in matching), matching
    return problems


# --- the valid baseline -------------------------------------------------------------------


def test_minimal_pack_is_valid(pack):
    """Ensures the fixture every hostile test starts from validates clean."""
    assert validate_pack(pack) == []


@pytest.mark.parametrize("theme_id", ["default", "retro", "midnight"])
def test_bundled_theme_validates_clean(theme_id):
    """Ensures each bundled theme passes every rule and loads as a bundled pack."""
    root = BUNDLED_THEMES_DIR / theme_id
    assert validate_pack(root) == []
    loaded = load_pack(root, bundled=True)
    assert loaded.id == theme_id
    assert loaded.bundled
    assert (root / loaded.preview).is_file()


def test_bundled_retro_overrides_the_guestbook():
    """Ensures the retro pack declares its guestbook template override."""
    retro = load_pack(BUNDLED_THEMES_DIR / "retro", bundled=True)
    assert retro.has_templates
    assert retro.overrides == frozenset({"guestbook"})


# --- report format ------------------------------------------------------------------------


def test_validate_command_prints_every_problem_as_file_line_reason(pack, capsys):
    """Ensures `qspace theme validate` lists all problems as file:line: reason and exits 2."""
    write(pack, "style.css", "a { color: red }\n\n.b { position: fixed }\n")
    write(pack, "assets/app.js", "alert(1)")
    assert main(["theme", "validate", str(pack)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert f"{pack}/style.css:3: position: position: fixed would escape the space" in lines
    assert f"{pack}/assets/app.js:0: JavaScript files are not allowed in a theme pack" in lines
    assert lines[-1] == "2 problems found"


def test_validate_command_exits_0_with_a_summary_for_a_valid_pack(pack, capsys):
    """Ensures a clean pack gets exit status 0 and a one-line summary."""
    assert main(["theme", "validate", str(pack)]) == 0
    assert capsys.readouterr().out.strip() == f"{pack}: valid theme minimal 1.0.0 (3 files)"


def test_validate_command_exits_2_for_a_missing_path(tmp_path, capsys):
    """Ensures validating a path that does not exist is a validation problem (exit 2)."""
    assert main(["theme", "validate", str(tmp_path / "nope")]) == 2
    assert "no such pack folder" in capsys.readouterr().out


def test_problem_prints_as_file_line_reason():
    """Ensures a Problem's text form is exactly file:line: reason."""
    assert str(Problem("style.css", 4, "bad")) == "style.css:4: bad"


def test_load_pack_raises_with_every_problem(pack):
    """Ensures load_pack raises ThemeInvalid carrying all problems, not just the first."""
    write(pack, "assets/a.js", "x")
    write(pack, "assets/b.exe", "x")
    with pytest.raises(ThemeInvalid) as caught:
        load_pack(pack)
    assert {p.file for p in caught.value.problems} == {"assets/a.js", "assets/b.exe"}


# --- scripts anywhere ---------------------------------------------------------------------


def test_refuses_script_tag_in_template(pack):
    """Ensures a <script> element in a template override is refused."""
    write(pack, "templates/modules/blog.html", "<p>hi</p>\n<script>alert(1)</script>\n")
    refused(pack, "templates/modules/blog.html", "scripts are not allowed", line=2)


def test_refuses_javascript_url_in_template(pack):
    """Ensures a javascript: link in a template is refused, even written with entities."""
    write(pack, "templates/modules/blog.html", '<a href="&#106;avascript:alert(1)">x</a>')
    refused(pack, "templates/modules/blog.html", "scripts are not allowed", line=1)


def test_refuses_event_handler_attribute_in_template(pack):
    """Ensures on...= attributes in template markup are refused."""
    write(
        pack, "templates/modules/blog.html", '<div>\n<img src="x.png" onerror="alert(1)">\n</div>'
    )
    refused(pack, "templates/modules/blog.html", "event handler attribute 'onerror'", line=2)


def test_refuses_expression_as_attribute_name_in_template(pack):
    """Ensures a template cannot build attribute names (`<a {{ x }}=...>`) from expressions."""
    write(pack, "templates/modules/blog.html", '<a {{ name }}="alert(1)">x</a>')
    refused(pack, "templates/modules/blog.html", "attribute name cannot come from an expression")


def test_refuses_unquoted_attribute_expression_in_template(pack):
    """Ensures an unquoted attribute value holding an expression is refused."""
    write(pack, "templates/modules/blog.html", "<a href={{ url }}>x</a>")
    refused(pack, "templates/modules/blog.html", "quote attribute values")


def test_refuses_remote_image_in_template(pack):
    """Ensures a template cannot load an image from another host."""
    write(pack, "templates/modules/blog.html", '<img src="https://tracker.example/p.gif" alt="">')
    refused(pack, "templates/modules/blog.html", "loads from another host")


def test_refuses_style_attribute_in_template(pack):
    """Ensures inline style attributes (which bypass the CSS sanitizer) are refused."""
    write(pack, "templates/modules/blog.html", '<p style="position:fixed">x</p>')
    refused(pack, "templates/modules/blog.html", "style attributes are not allowed")


def test_refuses_iframe_in_template(pack):
    """Ensures elements that embed other documents are refused in templates."""
    write(pack, "templates/modules/blog.html", '<iframe src="/x"></iframe>')
    refused(pack, "templates/modules/blog.html", "<iframe> is not allowed")


def test_refuses_javascript_file(pack):
    """Ensures a .js file anywhere in the pack is refused."""
    write(pack, "assets/js/app.js", "alert(1)")
    refused(pack, "assets/js/app.js", "JavaScript files are not allowed")


def test_refuses_script_in_svg(pack):
    """Ensures an SVG with a <script> element is refused."""
    write(
        pack, "assets/a.svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<script>x()</script></svg>'
    )
    refused(pack, "assets/a.svg", "scripts are not allowed", line=2)


def test_refuses_event_handler_in_svg(pack):
    """Ensures an SVG element with an onload= attribute is refused."""
    write(pack, "assets/a.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>')
    refused(pack, "assets/a.svg", "event handler attribute 'onload'")


def test_refuses_foreign_object_in_svg(pack):
    """Ensures <foreignObject> (HTML inside SVG) is refused."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>'
    write(pack, "assets/a.svg", svg)
    refused(pack, "assets/a.svg", "<foreignobject> is not allowed")


def test_refuses_svg_use_of_another_file(pack):
    """Ensures <use href> may only point inside the SVG itself."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<use xlink:href="other.svg#icon"/></svg>'
    )
    write(pack, "assets/a.svg", svg)
    refused(pack, "assets/a.svg", "may only point inside the SVG")


def test_accepts_svg_use_of_its_own_fragment(pack):
    """Ensures an SVG referencing its own #id is fine."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><circle id="c" r="2"/></defs>'
        '<use href="#c"/></svg>'
    )
    write(pack, "assets/a.svg", svg)
    assert validate_pack(pack) == []


def test_refuses_doctype_in_svg(pack):
    """Ensures an SVG declaring a DOCTYPE (the way to entity bombs) is refused."""
    write(pack, "assets/a.svg", '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>')
    refused(pack, "assets/a.svg", "DOCTYPE is not allowed")


def test_refuses_stylesheet_instruction_in_svg(pack):
    """Ensures <?xml-stylesheet?> (which fetches CSS) is refused in an SVG."""
    svg = '<?xml-stylesheet href="https://evil.example/x.css"?>\n<svg></svg>'
    write(pack, "assets/a.svg", svg)
    refused(pack, "assets/a.svg", "processing instruction <?xml-stylesheet?>", line=1)


def test_refuses_script_text_in_readme(pack):
    """Ensures even documentation files may not carry <script>."""
    write(pack, "README.md", "# Hi\n\n<script>alert(1)</script>\n")
    refused(pack, "README.md", "scripts are not allowed", line=3)


# --- CSS ----------------------------------------------------------------------------------


def test_refuses_css_import(pack):
    """Ensures @import in style.css is refused."""
    write(pack, "style.css", '@import url("https://fonts.example/x.css");\n')
    refused(pack, "style.css", "@import is not allowed", line=1)


def test_refuses_css_url_outside_the_pack(pack):
    """Ensures url() may not leave the pack (../ or another host)."""
    write(
        pack,
        "style.css",
        "a { background: url(../secret.png) }\nb { background: url(https://x.example/a.png) }\n",
    )
    problems = refused(pack, "style.css", "url(../secret.png) is not allowed", line=1)
    assert any("https://x.example/a.png" in p.reason and p.line == 2 for p in problems)


def test_refuses_css_url_to_missing_asset(pack):
    """Ensures url() must name a file the pack actually ships."""
    write(pack, "style.css", "a { background: url(assets/missing.png) }\n")
    refused(pack, "style.css", "url(assets/missing.png) is not allowed")


def test_accepts_css_url_to_pack_asset(pack):
    """Ensures url() of an asset inside the pack is accepted."""
    png(pack, "assets/bg.png")
    write(pack, "style.css", "a { background: url(assets/bg.png) }\n")
    assert validate_pack(pack) == []


def test_refuses_css_expression(pack):
    """Ensures IE's expression() is refused."""
    write(pack, "style.css", "a { width: expression(alert(1)) }\n")
    refused(pack, "style.css", "expression() is not allowed")


def test_refuses_css_behavior(pack):
    """Ensures IE's behavior: property is refused."""
    write(pack, "style.css", "a { behavior: url(assets/x.htc) }\n")
    refused(pack, "style.css", "behavior: property is not allowed")


def test_refuses_css_moz_binding(pack):
    """Ensures Firefox's -moz-binding is refused."""
    write(pack, "style.css", "a { -moz-binding: url(assets/x.xml#y) }\n")
    refused(pack, "style.css", "-moz-binding: property is not allowed")


def test_refuses_css_position_fixed(pack):
    """Ensures position: fixed (escaping the space's box) is refused."""
    write(pack, "style.css", "a { position: fixed }\n")
    refused(pack, "style.css", "fixed would escape the space")


def test_refuses_css_selector_escaping_the_space(pack):
    """Ensures selectors reaching siblings of the space container are refused."""
    write(pack, "style.css", ":root + nav { display: none }\n")
    refused(pack, "style.css", "selector reaches outside the space")


def test_refuses_css_javascript_url(pack):
    """Ensures a javascript: URL inside CSS is refused."""
    write(pack, "style.css", 'a { background: url("javascript:alert(1)") }\n')
    refused(pack, "style.css", "javascript: URLs are not allowed")


# --- templates ----------------------------------------------------------------------------


def test_refuses_template_that_does_not_parse(pack):
    """Ensures a template syntax error is reported with its line."""
    write(pack, "templates/modules/blog.html", "<p>\n{% for x in items %}\n")
    refused(pack, "templates/modules/blog.html", "template syntax error")


def test_refuses_template_class_attribute(pack):
    """Ensures `__class__` and friends are refused before anything runs."""
    write(pack, "templates/modules/blog.html", "{{ ''.__class__.__mro__ }}")
    refused(pack, "templates/modules/blog.html", "'__class__' is not accessible", line=1)


def test_refuses_template_mro_attribute(pack):
    """Ensures internals without a leading underscore (mro) are refused too."""
    write(pack, "templates/modules/blog.html", "{{ x.mro }}")
    refused(pack, "templates/modules/blog.html", "'mro' is not accessible")


def test_refuses_template_underscore_item(pack):
    """Ensures `x['_private']` is refused like the attribute form."""
    write(pack, "templates/modules/blog.html", "{{ x['_secret'] }}")
    refused(pack, "templates/modules/blog.html", "'_secret' is not accessible")


def test_refuses_template_include_outside_the_pack(pack):
    """Ensures {% include %} of a file outside the pack's allowed set is refused."""
    write(pack, "templates/modules/blog.html", '{% include "../../../etc/passwd" %}')
    refused(pack, "templates/modules/blog.html", "only this pack's modules/*.html")


def test_refuses_template_extends_of_app_template(pack):
    """Ensures a pack cannot extend the application's own templates."""
    write(pack, "templates/modules/blog.html", '{% extends "base.html" %}')
    refused(pack, "templates/modules/blog.html", "only this pack's modules/*.html")


def test_refuses_template_import_by_expression(pack):
    """Ensures {% import %} needs a literal name (no computed template paths)."""
    write(pack, "templates/modules/blog.html", "{% import name as m %}")
    refused(pack, "templates/modules/blog.html", "needs a quoted template name")


def test_accepts_template_include_of_own_partial(pack):
    """Ensures a module template may include one of the pack's partials."""
    write(pack, "templates/partials/card.html", "<p>{{ item.title }}</p>")
    write(
        pack,
        "templates/modules/blog.html",
        '{% for item in items %}{% include "partials/card.html" %}{% endfor %}',
    )
    assert validate_pack(pack) == []


def test_refuses_template_autoescape_block(pack):
    """Ensures a template cannot switch autoescaping off."""
    write(pack, "templates/modules/blog.html", "{% autoescape false %}{{ x }}{% endautoescape %}")
    refused(pack, "templates/modules/blog.html", "autoescape")


def test_refuses_template_safe_filter(pack):
    """Ensures the `safe` filter (raw HTML from expressions) is not available."""
    write(pack, "templates/modules/blog.html", "{{ x | safe }}")
    refused(pack, "templates/modules/blog.html", "filter 'safe' is not available")


def test_refuses_template_for_an_unknown_module(pack):
    """Ensures only the documented module templates can be overridden."""
    write(pack, "templates/pages/space.html", "<p>x</p>")
    refused(pack, "templates/pages/space.html", "not an overridable template")


def test_refuses_deeply_nested_loops(pack):
    """Ensures loops nested more than three deep are refused (a CPU budget guard)."""
    loops = "{% for a in x %}{% for b in x %}{% for c in x %}{% for d in x %}"
    write(pack, "templates/modules/blog.html", loops + "{% endfor %}" * 4)
    refused(pack, "templates/modules/blog.html", "loops nested more than 3 deep")


# --- files --------------------------------------------------------------------------------


def test_refuses_symlink_in_folder(pack, tmp_path):
    """Ensures a symbolic link anywhere in a pack folder is refused."""
    (tmp_path / "outside.png").write_bytes(b"x")
    (pack / "assets").mkdir()
    os.symlink(tmp_path / "outside.png", pack / "assets" / "link.png")
    refused(pack, "assets/link.png", "symbolic links are not allowed")


def test_refuses_oversized_file(pack):
    """Ensures a file above the 5 MiB cap is refused."""
    write(pack, "assets/big.mp3", b"ID3" + b"\0" * (5 * 1024 * 1024))
    write(pack, "assets/LICENSES.md", "big.mp3: CC0\n")
    refused(pack, "assets/big.mp3", "a file has at most 5242880")


def test_refuses_unknown_file_type(pack):
    """Ensures files of unknown types (here .exe) are refused."""
    write(pack, "assets/tool.exe", b"MZ")
    refused(pack, "assets/tool.exe", "unknown file type .exe")


def test_refuses_html_outside_templates(pack):
    """Ensures HTML documents are only accepted as template overrides."""
    write(pack, "assets/page.html", "<p>x</p>")
    refused(pack, "assets/page.html", "HTML is only allowed as a template override")


def test_refuses_image_whose_content_is_not_an_image(pack):
    """Ensures a .png that is not a PNG is refused (file types are checked by content)."""
    write(pack, "assets/fake.png", b"<html>not a png</html>")
    refused(pack, "assets/fake.png", "not a valid png image")


def test_header_check_of_bundled_packs_still_refuses_wrong_images(pack):
    """Ensures the header-only image check (bundled packs at run time, without Pillow) passes
    a real PNG and refuses a fake one, a JPEG named .png, and an image over the pixel cap."""
    png(pack, "assets/ok.png")
    write(pack, "assets/fake.png", b"<html>not a png</html>")
    Image.new("RGB", (2, 2)).save(pack / "assets/photo.png", format="JPEG")
    Image.new("1", (5000, 5000)).save(pack / "assets/huge.png", format="PNG")
    problems = check_folder(pack, decode_images=False).problems
    reasons = {p.file: p.reason for p in problems}
    assert "assets/ok.png" not in reasons
    assert "not a valid png image" in reasons["assets/fake.png"]
    assert "is a JPEG image, not png" in reasons["assets/photo.png"]
    assert "larger than" in reasons["assets/huge.png"]


def test_refuses_font_whose_content_is_not_a_font(pack):
    """Ensures a .woff2 without the woff2 signature is refused."""
    write(pack, "assets/f.woff2", b"MZ not a font")
    write(pack, "assets/LICENSES.md", "f.woff2: OFL-1.1\n")
    refused(pack, "assets/f.woff2", "the content is not a woff2 file")


def test_refuses_hidden_or_oddly_named_file_in_assets(pack):
    """Ensures names outside [A-Za-z0-9._-] (spaces, unicode) are refused."""
    png(pack, "assets/my picture.png")
    refused(pack, "assets/my picture.png", "must use only letters")


def test_refuses_missing_style_css(pack):
    """Ensures style.css is required."""
    (pack / "style.css").unlink()
    refused(pack, "style.css", "required file is missing")


def test_refuses_missing_theme_toml(pack):
    """Ensures theme.toml is required."""
    (pack / "theme.toml").unlink()
    refused(pack, "theme.toml", "required file is missing")


def test_refuses_audio_without_licence_note(pack):
    """Ensures audio (and fonts) need assets/LICENSES.md naming them or a .license file."""
    write(pack, "assets/song.ogg", b"OggS" + b"\0" * 20)
    refused(pack, "assets/song.ogg", "need a licence note")


def test_accepts_audio_with_reuse_license_file(pack):
    """Ensures a REUSE-style `<file>.license` companion satisfies the licence rule."""
    write(pack, "assets/song.ogg", b"OggS" + b"\0" * 20)
    write(pack, "assets/song.ogg.license", "SPDX-License-Identifier: CC-BY-4.0\n")
    assert validate_pack(pack) == []


def test_refuses_stale_checksum_manifest(pack):
    """Ensures a MANIFEST.json whose checksums no longer match is refused."""
    write(
        pack,
        "MANIFEST.json",
        '{"format": 1, "files": {"style.css": "00", "theme.toml": "00", "preview.png": "00"}}',
    )
    refused(pack, "MANIFEST.json", "the sha256 of style.css does not match")


# --- theme.toml ---------------------------------------------------------------------------


def test_refuses_invalid_toml_with_its_line(pack):
    """Ensures a TOML syntax error is reported at the line tomllib names."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text() + "\nbroken = = 1\n")
    lines = toml.read_text().count("\n")
    refused(pack, "theme.toml", "invalid TOML", line=lines)


def test_refuses_missing_manifest_field(pack):
    """Ensures each required theme.toml key is reported when absent."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text().replace('author = "qspace tests"\n', ""))
    refused(pack, "theme.toml", "author is required")


def test_refuses_bad_id_with_its_line(pack):
    """Ensures an id outside [a-z0-9-]{1,40} is refused at its line."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text().replace('id = "minimal"', 'id = "Not OK!"'))
    refused(pack, "theme.toml", "id: must match", line=2)


def test_refuses_non_semver_version(pack):
    """Ensures version must be a semantic version."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text().replace('version = "1.0.0"', 'version = "1.0"'))
    refused(pack, "theme.toml", "semantic version", line=4)


def test_refuses_qspace_range_excluding_this_version(pack):
    """Ensures a pack for a future qspace (>=99) is refused."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text().replace('qspace = ">=0.1,<1"', 'qspace = ">=99"'))
    refused(pack, "theme.toml", "excludes this qspace version", line=8)


def test_refuses_non_https_homepage(pack):
    """Ensures homepage must be an https URL."""
    toml = pack / "theme.toml"
    toml.write_text(
        toml.read_text().replace("preview =", 'homepage = "http://x.example"\npreview =')
    )
    refused(pack, "theme.toml", "homepage must be an https:// URL")


def test_refuses_preview_outside_the_pack(pack):
    """Ensures the preview image must be inside the pack."""
    toml = pack / "theme.toml"
    toml.write_text(toml.read_text().replace('preview = "preview.png"', 'preview = "../x.png"'))
    refused(pack, "theme.toml", "preview: must be the path")


def test_refuses_unknown_variable_type(pack):
    """Ensures variable types are color, font, image, length or choice."""
    add_variable(pack, "size", "number", "3")
    refused(pack, "theme.toml", "variables.size.type must be one of")


def test_refuses_font_variable_naming_a_remote_font(pack):
    """Ensures fonts are generic families or font files inside the pack."""
    add_variable(pack, "font", "font", "Comic Sans MS, https://fonts.example/x.woff2")
    refused(pack, "theme.toml", "neither a generic family")


def test_refuses_image_variable_outside_the_pack(pack):
    """Ensures an image variable's default must be an image inside assets/."""
    add_variable(pack, "bg", "image", "https://images.example/bg.png")
    refused(pack, "theme.toml", "variables.bg.default")


def test_refuses_colour_variable_with_css_injection(pack):
    """Ensures a colour default cannot smuggle CSS."""
    add_variable(pack, "fg", "color", "red; } body { display: none")
    refused(pack, "theme.toml", "is not a colour")


def test_refuses_choice_default_not_in_options(pack):
    """Ensures a choice variable's default is one of its options."""
    toml = pack / "theme.toml"
    choice = '[variables.layout]\ntype = "choice"\ndefault = "wide"\noptions = ["left", "right"]'
    toml.write_text(toml.read_text() + f'\n{choice}\nlabel = "L"\n')
    refused(pack, "theme.toml", "is not one of left, right")


def test_refuses_selectors_naming_the_scope_themselves(pack):
    """Ensures `.space-root` in a selector is flagged (scoping would double it)."""
    write(pack, "style.css", "a { color: red }\n.space-root .qs-panel { color: blue }\n")
    refused(pack, "style.css", "write :root instead of .space-root", line=2)


def test_scaffolded_pack_validates_clean(tmp_path):
    """Ensures `qspace theme new` writes a pack that passes every rule."""
    assert main(["theme", "new", "fresh", "--dir", str(tmp_path), "--name", "Fresh"]) == 0
    assert validate_pack(tmp_path / "fresh") == []
    assert load_pack(tmp_path / "fresh").name == "Fresh"
