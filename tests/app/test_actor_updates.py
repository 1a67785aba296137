"""The actor advertises its skin, profile and look changes federate as Update, packs download."""

from __future__ import annotations

import io
import zipfile

from qspace.models import Actor, Delivery, Follow, FollowState, OutgoingActivity
from qspace.services.actor_document import actor_document
from qspace.themes import validate_pack
from tests.support.factories import PASSWORD, URLS, make_space
from tests.support.web import login, post_form


async def remote_follower(space, host="remote.test") -> Actor:
    actor = await Actor.create(
        ap_id=f"https://{host}/users/rita",
        username="rita",
        domain=host,
        is_local=False,
        inbox=f"https://{host}/users/rita/inbox",
        shared_inbox=f"https://{host}/inbox",
    )
    await Follow.create(follower=actor, followed_id=space.actor_id, state=FollowState.ACCEPTED)
    return actor


async def test_actor_document_names_the_skin_and_where_to_get_it(db, settings):
    """Ensures the actor carries qspace:theme with id, version and a download URL."""
    space = await make_space("alice")
    space.theme_id = "retro"
    await space.save()
    document = await actor_document(space, URLS, settings)
    theme = document["qspace:theme"]
    assert theme["id"] == "retro" and theme["version"]
    assert theme["url"] == f"https://local.test/themes/retro/{theme['version']}.qtheme"
    assert {"qspace": "https://qspace.invalid/ns#"} in document["@context"]


async def test_profile_and_look_changes_send_an_update_to_followers(client, db):
    """Ensures a profile edit and a skin change each queue an Update to the remote follower."""
    space = await make_space("alice")
    await remote_follower(space)
    await login(client, "alice", PASSWORD)
    await post_form(
        client,
        "/settings/space/profile",
        {"display_name": "Alice N", "bio": "", "mood": ""},
        token_from="/settings/space",
    )
    await post_form(
        client, "/settings/look/theme", {"theme": "midnight"}, token_from="/settings/look"
    )
    updates = await OutgoingActivity.filter(type="Update").order_by("id")
    assert len(updates) == 2
    assert updates[0].payload["object"]["name"] == "Alice N"
    assert updates[1].payload["object"]["qspace:theme"]["id"] == "midnight"
    inboxes = await Delivery.filter(activity_id=updates[1].id).values_list("inbox_url", flat=True)
    assert list(inboxes) == ["https://remote.test/inbox"]


async def test_no_update_without_remote_followers(client, db):
    """Ensures nothing is queued when nobody elsewhere follows the space."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    await post_form(client, "/settings/look/theme", {"theme": "retro"}, token_from="/settings/look")
    assert not await OutgoingActivity.filter(type="Update").exists()


async def test_skin_download_is_a_valid_reproducible_pack(client, db, settings, tmp_path):
    """Ensures /themes/<id>/<version>.qtheme serves a pack that validates clean."""
    from qspace.themes import available_packs

    pack = available_packs(settings)["retro"]
    response = await client.get(f"/themes/retro/{pack.version}.qtheme")
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(response.content)).getinfo("theme.toml")
    archive = tmp_path / "retro.qtheme"
    archive.write_bytes(response.content)
    assert validate_pack(archive) == []
    again = await client.get(f"/themes/retro/{pack.version}.qtheme")
    assert again.content == response.content
    assert (await client.get("/themes/retro/9.9.9.qtheme")).status_code == 404


async def test_admin_installs_a_skin_seen_on_another_server(app, client, db, settings, tmp_path):
    """Ensures a skin advertised by a remote actor is listed and installed after validation,
    and a hostile one is refused with nothing written."""
    import httpx

    from qspace.models import Account
    from qspace.themes import available_packs, new_pack, pack_theme

    folder = new_pack("sunny", tmp_path)
    good = pack_theme(folder, tmp_path / "sunny.qtheme").read_bytes()
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    bad = tmp_path / "bad.qtheme"
    import zipfile

    with zipfile.ZipFile(tmp_path / "sunny.qtheme") as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("assets/evil.svg", (folder / "assets" / "evil.svg").read_text())

    def remote(request: httpx.Request) -> httpx.Response:
        body = bad.read_bytes() if "bad" in request.url.path else good
        return httpx.Response(200, content=body)

    app.state.services.http = httpx.AsyncClient(transport=httpx.MockTransport(remote))
    await Actor.create(
        ap_id="https://remote.test/@sam",
        username="sam",
        domain="remote.test",
        is_local=False,
        inbox="https://remote.test/@sam/inbox",
        ap_raw={
            "qspace:theme": {
                "id": "sunny",
                "version": "0.1.0",
                "name": "Sunny",
                "url": "https://remote.test/themes/sunny/0.1.0.qtheme",
            }
        },
    )
    await make_space("chief")
    await Account.filter(username="chief").update(is_admin=True)
    await login(client, "chief", PASSWORD)
    page = await client.get("/admin")
    assert "Sunny" in page.text and "remote.test/themes/sunny" in page.text
    refused = await post_form(
        client,
        "/admin/themes/install",
        {"url": "https://remote.test/themes/sunny/bad.qtheme"},
        token_from="/admin",
    )
    assert refused.status_code == 400 and "refused" in refused.text
    assert "sunny" not in available_packs(settings)
    ok = await post_form(
        client,
        "/admin/themes/install",
        {"url": "https://remote.test/themes/sunny/0.1.0.qtheme"},
        token_from="/admin",
    )
    assert ok.status_code == 303, ok.text[ok.text.find("qs-error-text") :][:300]
    assert "sunny" in available_packs(settings)
    plain_http = await post_form(
        client, "/admin/themes/install", {"url": "http://remote.test/x.qtheme"}, token_from="/admin"
    )
    assert plain_http.status_code == 400


async def test_actor_publishes_its_guestbook_as_wall(db, settings):
    """Ensures the actor names its guestbook as `wall` with the term's context."""
    space = await make_space("alice")
    document = await actor_document(space, URLS, settings)
    assert document["wall"] == "https://local.test/@alice/guestbook"
    assert any(isinstance(c, dict) and "wall" in c for c in document["@context"])
