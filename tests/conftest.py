"""Shared pytest configuration; fixtures live in tests/support/."""

pytest_plugins = ["tests.support.fixtures"]


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Run browser tests last: their Playwright loop must not overlap asyncio tests."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
