"""Tests for federation.nodeinfo: the discovery links and the 2.1 document."""

import pytest

from federation.nodeinfo import (
    NODEINFO_21_CONTENT_TYPE,
    NODEINFO_21_SCHEMA,
    build_nodeinfo_21,
    build_nodeinfo_links,
)


def _document(**overrides):
    fields = {
        "software_name": "qspace",
        "version": "0.1.0",
        "open_registrations": False,
        "total_users": 3,
        "active_month": 2,
        "active_halfyear": 3,
        "local_posts": 41,
        "metadata": {"nodeName": "Our space"},
    }
    return build_nodeinfo_21(**{**fields, **overrides})


def test_build_nodeinfo_links_points_to_the_21_document():
    """Ensures /.well-known/nodeinfo links the 2.1 schema rel to our document URL."""
    assert build_nodeinfo_links("https://local.test/") == {
        "links": [{"rel": NODEINFO_21_SCHEMA, "href": "https://local.test/nodeinfo/2.1"}]
    }


def test_build_nodeinfo_21_has_exactly_the_schema_fields():
    """Ensures the document carries the 2.1 required fields with the right shapes."""
    document = _document()
    assert document == {
        "version": "2.1",
        "software": {"name": "qspace", "version": "0.1.0"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": 3, "activeMonth": 2, "activeHalfyear": 3}, "localPosts": 41},
        "metadata": {"nodeName": "Our space"},
    }


def test_build_nodeinfo_21_adds_optional_software_urls_and_comments():
    """Ensures repository, homepage and localComments appear only when given."""
    document = _document(
        repository="https://code.test/qspace", homepage="https://qspace.test", local_comments=7
    )
    assert document["software"]["repository"] == "https://code.test/qspace"
    assert document["software"]["homepage"] == "https://qspace.test"
    assert document["usage"]["localComments"] == 7


@pytest.mark.parametrize("name", ["QSpace", "q space", "qspace!", ""])
def test_build_nodeinfo_21_refuses_names_outside_the_schema_pattern(name):
    """Ensures software names not matching ^[a-z0-9-]+$ are refused."""
    with pytest.raises(ValueError):
        _document(software_name=name)


def test_build_nodeinfo_21_refuses_negative_counts():
    """Ensures usage counts below zero are refused (schema minimum is 0)."""
    with pytest.raises(ValueError):
        _document(local_posts=-1)


def test_build_nodeinfo_21_copies_metadata():
    """Ensures later changes to the caller's metadata do not leak into the document."""
    metadata = {"nodeName": "a"}
    document = _document(metadata=metadata)
    metadata["nodeName"] = "b"
    assert document["metadata"] == {"nodeName": "a"}


def test_nodeinfo_content_type_names_the_21_profile():
    """Ensures the served content type carries the 2.1 schema profile."""
    assert NODEINFO_21_CONTENT_TYPE == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
