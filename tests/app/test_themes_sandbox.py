"""Template overrides: rendered in the sandbox, budgeted, and cleaned before reaching a page."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from jinja2.sandbox import SecurityError

from qspace.paths import BUNDLED_THEMES_DIR
from qspace.themes import ThemePack, ThemeRenderError, load_pack, render_module_override
from qspace.themes.sandbox import BudgetExceeded, make_environment, plain_context, render_budgeted

MINIMAL = Path(__file__).parents[1] / "data" / "themes" / "minimal"

GUESTBOOK = {
    "space": {"name": "alice", "display_name": "Alice", "handle": "@alice@local.test"},
    "title": "Guestbook",
    "write_url": "/@alice/guestbook#write",
    "empty_text": "No messages yet.",
    "items": [
        {
            "author_name": "<b>Bob</b>",
            "author_url": "https://remote.test/@bob",
            "avatar_url": "/media/abc/avatar",
            "content_html": "<p>Hi <em>Alice</em>!</p>",
            "published": "2026-11-25 10:00",
            "published_iso": "2026-11-25T10:00:00+00:00",
        }
    ],
}


def pack_with(tmp_path: Path, templates: dict[str, str]) -> ThemePack:
    """Load a copy of the minimal pack with these templates/ files (validated first)."""
    root = Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))
    for name, source in templates.items():
        path = root / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return load_pack(root)


def sandbox():
    return make_environment(Path("/nonexistent"), frozenset(), lambda path: "")


def test_sandbox_refuses_class_mro_at_render_time():
    """Ensures the sandbox itself (no static check involved) refuses ''.__class__.__mro__."""
    template = sandbox().from_string("{{ ''.__class__.__mro__ }}")
    with pytest.raises(SecurityError, match="__class__"):
        render_budgeted(template, {})


def test_sandbox_refuses_attribute_built_at_render_time(tmp_path):
    """Ensures an attribute name computed at render time (past static checks) is refused."""
    pack = pack_with(tmp_path, {"modules/blog.html": "{{ ''|attr('__cla' ~ 'ss__') }}"})
    with pytest.raises(ThemeRenderError, match="SecurityError"):
        render_module_override(pack, "blog", {})


def test_template_edited_after_validation_is_checked_on_load(tmp_path):
    """Ensures the loader re-runs the static checks: a later edit cannot slip __class__ in."""
    pack = pack_with(tmp_path, {"modules/blog.html": "<p>ok</p>"})
    (pack.root / "templates/modules/blog.html").write_text("{{ ''.__class__ }}")
    with pytest.raises(ThemeRenderError, match="'__class__' is not accessible"):
        render_module_override(pack, "blog", {})


def test_module_without_override_renders_none(tmp_path):
    """Ensures None tells the app to use its own template for modules the pack leaves alone."""
    pack = pack_with(tmp_path, {"modules/blog.html": "<p>blog</p>"})
    assert render_module_override(pack, "guestbook", GUESTBOOK) is None
    assert render_module_override(pack, "blog", {}) == "<p>blog</p>"


def test_unknown_module_name_is_a_caller_error(tmp_path):
    """Ensures asking for a module outside the documented set raises ValueError."""
    pack = pack_with(tmp_path, {})
    with pytest.raises(ValueError, match="unknown module"):
        render_module_override(pack, "admin", {})


def test_retro_guestbook_renders_escaped_text_and_trusted_html():
    """Ensures the bundled retro override escapes names and keeps the app's sanitized HTML."""
    retro = load_pack(BUNDLED_THEMES_DIR / "retro", bundled=True)
    html = render_module_override(retro, "guestbook", GUESTBOOK)
    assert html is not None
    assert "&lt;b&gt;Bob&lt;/b&gt;" in html
    assert "<p>Hi <em>Alice</em>!</p>" in html
    assert 'href="/@alice/guestbook#write"' in html
    assert "Sign Alice's guestbook!" in html.replace("&#x27;", "'").replace("&#39;", "'")
    assert '<time datetime="2026-11-25T10:00:00+00:00">' in html


def test_retro_guestbook_shows_the_empty_text():
    """Ensures the retro override falls back to empty_text without messages."""
    retro = load_pack(BUNDLED_THEMES_DIR / "retro", bundled=True)
    html = render_module_override(retro, "guestbook", {**GUESTBOOK, "items": []})
    assert '<p class="qs-empty">No messages yet.</p>' in html


def test_override_can_include_its_own_partial_and_assets(tmp_path):
    """Ensures partials/ includes work and asset() gives pack URLs (empty for missing files)."""
    root_templates = {
        "partials/item.html": "<li>{{ item }}</li>",
        "modules/friends.html": (
            '<ul>{% for item in items %}{% include "partials/item.html" %}{% endfor %}</ul>'
            '<img src="{{ asset(\'preview.png\') }}" alt="">'
            "<i>{{ asset('assets/missing.png') }}</i>"
        ),
    }
    pack = pack_with(tmp_path, root_templates)
    html = render_module_override(pack, "friends", {"items": ["ann", "bo"]})
    image = '<img src="/themes/minimal/1.0.0/preview.png" alt="">'
    assert html == f"<ul><li>ann</li><li>bo</li></ul>{image}<i></i>"


def test_output_is_cleaned_of_script_urls_from_context(tmp_path):
    """Ensures a javascript: URL arriving through the context cannot survive in an href."""
    pack = pack_with(tmp_path, {"modules/blog.html": '<a href="{{ url }}">x</a>'})
    html = render_module_override(pack, "blog", {"url": "javascript:alert(1)"})
    assert "javascript" not in html
    assert html == "<a>x</a>"


def test_output_keeps_only_allowlisted_markup(tmp_path):
    """Ensures HTML marked trusted still passes the allowlist (no event handlers, no ids)."""
    pack = pack_with(tmp_path, {"modules/blog.html": "{{ body_html }}"})
    html = render_module_override(
        pack,
        "blog",
        {"body_html": '<p id="content" onclick="x()" class="a">hi</p><script>1</script>'},
    )
    assert html == '<p class="a">hi</p>1'


def test_context_must_be_plain_data(tmp_path):
    """Ensures models, dates and other objects never reach a template (TypeError)."""
    pack = pack_with(tmp_path, {"modules/blog.html": "{{ when }}"})
    with pytest.raises(TypeError, match="plain data"):
        render_module_override(pack, "blog", {"when": datetime.datetime.now(datetime.UTC)})


def test_plain_context_marks_only_html_keys_as_markup():
    """Ensures only keys ending in _html are trusted markup; other strings get escaped."""
    data = plain_context({"a_html": "<b>x</b>", "a": "<b>x</b>", "nested": [{"c_html": "<i>"}]})
    assert hasattr(data["a_html"], "__html__")
    assert not hasattr(data["a"], "__html__")
    assert hasattr(data["nested"][0]["c_html"], "__html__")


def test_budget_stops_nested_loops(tmp_path):
    """Ensures a CPU-burning template is stopped by the step budget."""
    loops = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"
    pack = pack_with(tmp_path, {"modules/blog.html": loops})
    with pytest.raises(ThemeRenderError, match="BudgetExceeded"):
        render_module_override(pack, "blog", {})


def test_budget_counts_loops_over_context_data():
    """Ensures loops over the app's own lists are budgeted too, not just range()."""
    loops = (
        "{% for a in items %}{% for b in items %}{% for c in items %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    template = sandbox().from_string(loops)
    with pytest.raises(BudgetExceeded, match="steps"):
        render_budgeted(template, plain_context({"items": list(range(1000))}))


def test_loops_keep_their_loop_variable_and_else_branch():
    """Ensures budgeted loops still offer loop.index/length/last and {% else %}."""
    template = sandbox().from_string(
        "{% for a in items %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}!{% endif %}"
        "{% else %}none{% endfor %}"
    )
    assert render_budgeted(template, {"items": ["a", "b"]}) == "1/22/2!"
    assert render_budgeted(template, {"items": []}) == "none"


def test_budget_refuses_huge_strings():
    """Ensures string repetition and doubling cannot allocate unbounded memory."""
    env = sandbox()
    with pytest.raises(BudgetExceeded):
        render_budgeted(env.from_string("{{ 'x' * 1000000000 }}"), {})
    doubling = (
        "{% macro grow(s, n) %}{{ grow(s ~ s, n - 1) if n else s|length }}{% endmacro %}"
        "{{ grow('x', 64) }}"
    )
    with pytest.raises(BudgetExceeded):
        render_budgeted(env.from_string(doubling), {})


def test_budget_refuses_unbounded_string_methods():
    """Ensures str methods that build output of any size (center, ljust...) are not callable."""
    with pytest.raises(SecurityError, match="not safely callable"):
        render_budgeted(sandbox().from_string("{{ 'x'.center(999999999) }}"), {})


def test_budget_caps_the_output_size():
    """Ensures a template cannot stream out more than the output cap."""
    template = sandbox().from_string(
        "{% for i in range(10000) %}{% for j in range(100) %}xxxxxxxxxx{% endfor %}{% endfor %}"
    )
    with pytest.raises(BudgetExceeded, match="output longer"):
        render_budgeted(template, {})


def test_range_is_capped():
    """Ensures range() in templates is capped well below Jinja's own limit."""
    with pytest.raises(BudgetExceeded, match="range"):
        render_budgeted(sandbox().from_string("{{ range(100000)|length }}"), {})


def test_templates_cannot_mutate_context_lists():
    """Ensures the immutable sandbox refuses list.append (context stays what the app sent)."""
    with pytest.raises(SecurityError):
        render_budgeted(sandbox().from_string("{{ items.append(1) }}"), {"items": []})


def test_template_replaced_by_a_symlink_is_not_loaded(tmp_path):
    """Ensures the loader never follows a symlink swapped in after validation."""
    pack = pack_with(tmp_path, {"modules/blog.html": "<p>ok</p>"})
    outside = tmp_path / "outside.html"
    outside.write_text("<p>outside</p>")
    target = pack.root / "templates" / "modules" / "blog.html"
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(ThemeRenderError, match="TemplateNotFound"):
        render_module_override(pack, "blog", {})
