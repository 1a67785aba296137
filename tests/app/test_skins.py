"""Skins on pages: stylesheet, variables, custom CSS, overrides, plain view, allowed packs."""

from __future__ import annotations

from qspace.models import Space
from qspace.services import looks
from tests.support.factories import PASSWORD, make_space, make_status
from tests.support.web import login, post_form


async def test_space_page_links_its_skin_stylesheet_and_no_inline_css(client, db):
    """Ensures the page loads the skin as a stylesheet and the CSP forbids inline styles."""
    await make_space("alice")
    page = await client.get("/@alice")
    assert '<link rel="stylesheet" href="/@alice/style.css?v=' in page.text
    assert "<style" not in page.text
    csp = page.headers["content-security-policy"]
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp
    css = await client.get("/@alice/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".space-root" in css.text
    again = await client.get("/@alice/style.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304


async def test_owner_switches_skins_and_sets_variables(client, db, settings):
    """Ensures choosing the retro skin changes the stylesheet and a colour variable sticks."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    page = await client.get("/settings/look")
    assert 'value="retro"' in page.text and 'value="midnight"' in page.text
    assert "/themes/retro/" in page.text  # the preview image
    await post_form(client, "/settings/look/theme", {"theme": "retro"}, token_from="/settings/look")
    space = await Space.get(name="alice")
    assert space.theme_id == "retro"
    html = (await client.get("/@alice")).text
    assert 'data-theme="retro"' in html
    css = (await client.get("/@alice/style.css")).text
    assert "/themes/retro/" in css  # the tiled background, served by qspace
    pack = await looks.pack_of(space, settings)
    color_vars = [n for n, v in pack.variables.items() if v.type == "color"]
    assert color_vars
    name = color_vars[0]
    ok = await post_form(
        client, "/settings/look/variables", {f"var_{name}": "#123456"}, token_from="/settings/look"
    )
    assert ok.status_code == 303
    assert "#123456" in (await client.get("/@alice/style.css")).text
    bad = await post_form(
        client,
        "/settings/look/variables",
        {f"var_{name}": "red;}body{x"},
        token_from="/settings/look",
    )
    assert bad.status_code == 400
    assert (await Space.get(name="alice")).theme_vars[name] == "#123456"


async def test_custom_css_is_sanitized_and_scoped(client, db):
    """Ensures custom CSS is scoped to the space, hostile parts dropped and reported."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    css = (
        "@import url(https://evil.example/x.css);\n"
        "body { background: url(https://evil.example/t.png); color: red }\n"
        ".qs-chrome { display: none }\n"
        "h2 { position: fixed; color: blue }\n"
        "</style><script>alert(1)</script>"
    )
    response = await post_form(
        client, "/settings/look/css", {"css": css}, token_from="/settings/look"
    )
    assert response.status_code == 200 and "removed" in response.text
    served = (await client.get("/@alice/style.css")).text
    custom = served.split("custom CSS (sanitized) */", 1)[1]
    assert "evil.example" not in custom and "@import" not in custom
    assert "position" not in custom and "</style" not in custom and "<script" not in custom
    assert ".space-root" in custom and "color: blue" in custom.replace("color:blue", "color: blue")
    # Every rule is inside the space container: the chrome can't be hidden.
    for line in custom.splitlines():
        if "{" in line and not line.strip().startswith(("@", "}")):
            assert line.strip().startswith(".space-root"), line


async def test_plain_view_drops_skin_and_custom_css(client, db):
    """Ensures ?plain=1 shows the space without its stylesheet, with a way back."""
    space = await make_space("alice")
    await make_status(space, "hello plain")
    page = await client.get("/@alice?plain=1")
    assert "style.css" not in page.text and "hello plain" in page.text
    assert "Styled view" in page.text
    assert "Plain view" in (await client.get("/@alice")).text


async def test_skin_override_renders_in_the_sandbox(app, client, db):
    """Ensures the retro skin's guestbook override is used, with the server's form around it."""
    space = await make_space("alice")
    await make_space("bob")
    space.theme_id = "retro"
    await space.save()
    await login(client, "bob", PASSWORD)
    await post_form(client, "/@alice/guestbook", {"text": "hi from bob"}, token_from="/@alice")
    html = (await client.get("/@alice")).text
    assert "hi from bob" in html
    assert 'action="/@alice/guestbook"' in html  # the server's own form stays
    plain = (await client.get("/@alice?plain=1")).text
    assert "hi from bob" in plain


async def test_admin_limits_the_skins_owners_may_pick(app, client, db, settings):
    """Ensures a skin the admin disallows can't be chosen and falls back to the default."""
    alice = await make_space("alice")
    alice.theme_id = "midnight"
    await alice.save()
    await looks.set_allowed_theme_ids(settings, ["retro"])
    assert await looks.allowed_theme_ids(settings) == {"default", "retro"}
    html = (await client.get("/@alice")).text
    assert 'data-theme="default"' in html
    await login(client, "alice", PASSWORD)
    refused = await post_form(
        client, "/settings/look/theme", {"theme": "midnight"}, token_from="/settings/look"
    )
    assert refused.status_code == 400


async def test_theme_assets_are_served_with_their_version(client, db):
    """Ensures pack assets are served under their version and nothing outside assets/."""
    from qspace.themes import available_packs

    await make_space("alice")
    settings = client._transport.app.state.services.settings
    pack = available_packs(settings)["retro"]
    ok = await client.get(f"/themes/retro/{pack.version}/{pack.preview}")
    assert ok.status_code == 200 and "immutable" in ok.headers["cache-control"]
    assert (await client.get(f"/themes/retro/0.0.0-old/{pack.preview}")).status_code == 404
    assert (await client.get(f"/themes/retro/{pack.version}/theme.toml")).status_code == 404
    assert (
        await client.get(f"/themes/retro/{pack.version}/../../pyproject.toml")
    ).status_code == 404


def mp3_bytes(title: str = "Song A", artist: str = "Band B") -> bytes:
    """A tiny valid MP3 (silent MPEG-1 layer 3 frames) with ID3 tags."""
    import os
    import tempfile

    from mutagen.id3 import ID3, TIT2, TPE1

    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + b"\x00" * 413
    fd, name = tempfile.mkstemp(suffix=".mp3")
    os.write(fd, frame * 40)
    os.close(fd)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text=artist))
    tags.save(name)
    with open(name, "rb") as f:
        data = f.read()
    os.unlink(name)
    return data


async def test_music_playlist_upload_player_and_refusals(client, db):
    """Ensures an MP3 joins the playlist with its tags, plays without autoplay, fakes refused."""
    from qspace.models import Media
    from tests.support.web import csrf

    await make_space("alice")
    await login(client, "alice", PASSWORD)
    token = await csrf(client, "/settings/look")
    ok = await client.post(
        "/settings/look/music",
        data={"csrf_token": token},
        files=[("track", ("song.mp3", mp3_bytes(), "audio/mpeg"))],
    )
    assert ok.status_code == 303
    track = await Media.get(role="music")
    assert track.meta["title"] == "Song A" and track.meta["artist"] == "Band B"
    fake = await client.post(
        "/settings/look/music",
        data={"csrf_token": token},
        files=[("track", ("x.mp3", b"<html>not audio</html>", "audio/mpeg"))],
    )
    assert fake.status_code == 400 and "not an MP3" in fake.text
    assert await Media.filter(role="music").count() == 1
    space = await Space.get(name="alice")
    space.layout = {"modules": [{"id": "music", "column": "main", "visible": True}]}
    await space.save()
    html = (await client.get("/@alice")).text
    assert '<audio controls preload="none"' in html and "autoplay" not in html
    served = await client.get(f"/media/{track.capability}/original")
    assert served.status_code == 200 and served.headers["content-type"] == "audio/mpeg"
    await post_form(
        client, f"/settings/look/music/{track.id}/delete", {}, token_from="/settings/look"
    )
    assert await Media.filter(role="music").count() == 0


async def test_uploaded_background_picture_sets_an_image_variable(client, db, settings):
    """Ensures an image variable takes an uploaded picture, served from this server."""
    import io

    from PIL import Image

    from qspace.services import looks
    from tests.support.web import csrf

    space = await make_space("alice")
    space.theme_id = "retro"
    await space.save()
    pack = await looks.pack_of(space, settings)
    name = next(n for n, v in pack.variables.items() if v.type == "image")
    await login(client, "alice", PASSWORD)
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 200, 10)).save(picture, "PNG")
    token = await csrf(client, "/settings/look")
    done = await client.post(
        "/settings/look/variables",
        data={"csrf_token": token},
        files=[(f"upload_{name}", ("bg.png", picture.getvalue(), "image/png"))],
    )
    assert done.status_code == 303
    value = (await Space.get(name="alice")).theme_vars[name]
    assert value.startswith("/media/") and value.endswith("/large")
    css = (await client.get("/@alice/style.css")).text
    assert value in css
    assert (await client.get(value)).status_code == 200
