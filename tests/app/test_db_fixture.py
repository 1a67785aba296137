"""The test database fixture itself: fresh per test, on every configured backend."""

from qspace.models import Account
from tests.support.factories import make_account


async def test_each_test_starts_with_an_empty_database(db):
    """Ensures no rows leak from one test into the next (first half)."""
    assert await Account.all().count() == 0
    await make_account("first")
    assert await Account.all().count() == 1


async def test_each_test_starts_with_an_empty_database_again(db):
    """Ensures no rows leak from one test into the next (second half)."""
    assert await Account.all().count() == 0
    await make_account("second")
    assert await Account.filter(username="second").count() == 1
