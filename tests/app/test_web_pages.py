"""The foundation pages: front page, space page, health, errors and response headers."""

from qspace.models import Item
from tests.support.factories import make_space, make_status


async def test_front_page_lists_the_spaces(client, db):
    """Ensures the front page names every space of the server."""
    await make_space("alice", display_name="Alice A")
    await make_space("bob")
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "Alice A" in response.text
    assert 'href="/@bob"' in response.text


async def test_space_page_shows_public_items_only_to_strangers(client, db):
    """Ensures an anonymous visitor sees public status updates and nothing else."""
    space = await make_space("alice")
    await make_status(space, "public hello")
    await make_status(space, "friends secret", audience="friends")
    await make_status(space, "only me secret", audience="private")
    response = await client.get("/@alice")
    assert response.status_code == 200
    assert "public hello" in response.text
    assert "secret" not in response.text


async def test_unknown_space_is_404_with_a_page(client, db):
    """Ensures a missing space answers 404 with an HTML page saying so."""
    response = await client.get("/@nobody")
    assert response.status_code == 404
    assert "No such space" in response.text


async def test_errors_answer_json_to_json_clients(client, db):
    """Ensures API-style clients get a JSON error body."""
    response = await client.get("/@nobody", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json() == {"error": "No such space."}


async def test_healthz_reports_the_database(client, db):
    """Ensures /healthz answers 200 while the database answers."""
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_is_503_when_the_database_is_gone(client, db):
    """Ensures /healthz answers 503 once the database cannot be reached."""
    await db.close_connections()
    db._connections = None
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_every_page_carries_security_headers_and_a_request_id(client, db):
    """Ensures CSP without inline script, no framing, nosniff and a request id on responses."""
    await make_space("alice")
    for path in ("/", "/@alice", "/@missing"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert len(response.headers["x-request-id"]) >= 8


async def test_request_id_from_a_proxy_is_kept_when_sane(client, db):
    """Ensures a sane incoming X-Request-Id is echoed, and a hostile one replaced."""
    response = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = await client.get("/healthz", headers={"X-Request-Id": "bad id\r\nx"})
    assert response.headers["x-request-id"] != "bad id\r\nx"


async def test_status_text_is_escaped_on_the_page(client, db):
    """Ensures markup typed into a status is shown as text, not run."""
    space = await make_space("alice")
    await make_status(space, "<script>alert(1)</script> hi")
    response = await client.get("/@alice")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert await Item.all().count() == 1
