"""Audience -> addressing: the exact `to`/`cc` of each audience and the exact inboxes its
activities are queued for (shared inboxes only for public items; only-me never leaves)."""

from __future__ import annotations

import pytest

from federation.jsonld import PUBLIC
from qspace.models import (
    Follow,
    FollowState,
    FriendGroup,
    FriendGroupMember,
    Item,
    OutgoingActivity,
)
from qspace.services import comments, items, reactions, remote_writes
from qspace.services.audience import viewer_for
from tests.app import federated_support as support
from tests.app.federated_support import BOB, CAROL, DAVE, activity, sent
from tests.support.factories import URLS, make_friends, make_space

fed = support.fed
FOLLOWERS = "https://local.test/@alice/followers"
SHARED = "https://remote.test/inbox"
BOB_INBOX, DAVE_INBOX = f"{BOB}/inbox", f"{DAVE}/inbox"


@pytest.fixture
async def circle(fed):
    """alice's friends: bob and dave (remote; dave's server has no shared inbox) and zed
    (local); carol (remote, bob's server) only follows her."""
    zed = await make_space("zed")
    await make_friends(fed.alice, zed)
    await fed.befriend(fed.alice, BOB)
    await fed.befriend(fed.alice, DAVE)
    carol = await fed.actor(CAROL)
    await Follow.create(
        follower_id=carol.id, followed_id=fed.alice.actor_id, state=FollowState.ACCEPTED
    )
    return fed, zed


async def test_public_item_goes_to_public_and_followers_through_shared_inboxes(circle):
    """Ensures a public status is `to` Public, `cc` alice's followers, delivered once to
    each follower server's shared inbox (and to dave's personal inbox: he has none)."""
    fed, _zed = circle
    await items.publish_status(URLS, fed.alice, text="hi all", audience="public")
    [(create, inboxes)] = await sent("Create")
    assert (create["to"], create["cc"]) == ([PUBLIC], [FOLLOWERS])
    assert (create["object"]["to"], create["object"]["cc"]) == ([PUBLIC], [FOLLOWERS])
    assert inboxes == [SHARED, DAVE_INBOX]


async def test_friends_item_goes_to_each_friend_personally(circle):
    """Ensures a friends-only status names each friend in `to`, never Public nor the
    followers collection, and is delivered to the remote friends' personal inboxes only
    (not to carol, a mere follower, nor to a shared inbox)."""
    fed, zed = circle
    await items.publish_status(URLS, fed.alice, text="friends", audience="friends")
    [(create, inboxes)] = await sent("Create")
    assert create["object"]["to"] == [BOB, DAVE, zed.actor.ap_id]
    assert create["object"]["cc"] == [] and create["cc"] == []
    assert inboxes == [BOB_INBOX, DAVE_INBOX]


async def test_group_item_goes_to_each_member_personally(circle):
    """Ensures a group item names only the group's members."""
    fed, _zed = circle
    group = await FriendGroup.create(space=fed.alice, name="close")
    await FriendGroupMember.create(group=group, actor=await fed.actor(DAVE))
    await items.publish_status(URLS, fed.alice, text="g", audience="group", group_id=group.id)
    [(create, inboxes)] = await sent("Create")
    assert (create["to"], create["cc"], inboxes) == ([DAVE], [], [DAVE_INBOX])


async def test_only_me_items_and_drafts_never_leave(circle):
    """Ensures an only-me status and a draft post queue nothing, and deleting them neither."""
    fed, _zed = circle
    mine = await items.publish_status(URLS, fed.alice, text="diary", audience="private")
    await items.publish_blog_post(URLS, fed.alice, title="Draft", markdown="x", draft=True)
    await items.delete_item(mine, actor_id=fed.alice.actor_id)
    assert await OutgoingActivity.all().count() == 0


async def test_delete_reaches_exactly_the_inboxes_of_the_create(circle):
    """Ensures a deleted item's Delete goes to the inboxes its Create went to, addressed
    as the item was."""
    fed, _zed = circle
    post = await items.publish_status(URLS, fed.alice, text="bye", audience="friends")
    await items.delete_item(post, actor_id=fed.alice.actor_id)
    [(create, created_at)] = await sent("Create")
    [(delete, deleted_at)] = await sent("Delete")
    assert deleted_at == created_at == [BOB_INBOX, DAVE_INBOX]
    assert delete["object"] == {
        "id": post.ap_id,
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": delete["object"]["deleted"],
    }
    assert delete["to"] == create["to"]


async def test_narrowing_a_post_to_only_me_deletes_it_where_it_went(circle):
    """Ensures a public blog post edited to only-me is deleted from the servers that got it,
    and edited back to friends is created anew for the friends."""
    fed, _zed = circle
    post = await items.publish_blog_post(URLS, fed.alice, title="T", markdown="text")
    fields = {"actor_id": fed.alice.actor_id, "title": "T", "markdown": "text"}
    await items.edit_blog_post(post, audience="private", **fields)
    await items.edit_blog_post(post, audience="friends", **fields)
    kinds = [(a["type"], inboxes) for a, inboxes in await sent()]
    assert kinds == [
        ("Create", [SHARED, DAVE_INBOX]),
        ("Delete", [SHARED, DAVE_INBOX]),
        ("Create", [BOB_INBOX, DAVE_INBOX]),
    ]


async def test_editing_sends_an_update_where_the_item_is(circle):
    """Ensures an edit of a published post reaches the same inboxes as an Update."""
    fed, _zed = circle
    post = await items.publish_blog_post(URLS, fed.alice, title="T", markdown="one")
    fields = {"actor_id": fed.alice.actor_id, "title": "T", "audience": "public"}
    await items.edit_blog_post(post, markdown="two", **fields)
    [(update, inboxes)] = await sent("Update")
    assert inboxes == [SHARED, DAVE_INBOX]
    assert "two" in update["object"]["content"]


async def test_comment_in_a_friends_thread_goes_to_the_threads_audience(circle):
    """Ensures zed's comment on alice's friends-only status is addressed to alice's friends
    and delivered to the remote ones, like the status itself."""
    fed, zed = circle
    post = await items.publish_status(URLS, fed.alice, text="hm", audience="friends")
    viewer = await viewer_for(zed.actor)
    await comments.add_comment(URLS, author_space=zed, target_id=post.id, text="yes", viewer=viewer)
    [_post, (create, inboxes)] = await sent("Create")
    assert create["actor"] == zed.actor.ap_id
    assert create["object"]["inReplyTo"] == post.ap_id
    assert set(create["to"]) == {BOB, DAVE, fed.alice.actor.ap_id}
    assert create["cc"] == [] and PUBLIC not in create["to"]
    assert inboxes == [BOB_INBOX, DAVE_INBOX]


async def test_local_comment_on_a_remote_post_goes_to_its_author_and_as_addressed(circle):
    """Ensures alice's reply to bob's public post goes to bob (his server's shared inbox is
    fine: it is public), to Public, and to her own followers."""
    fed, _zed = circle
    await fed.deliver(activity("mastodon_create_note.json"))
    remote = await Item.get(is_local=False)
    viewer = await viewer_for(fed.alice.actor)
    comment = await remote_writes.comment_on_remote(
        URLS, author_space=fed.alice, target_id=remote.id, text="nice", viewer=viewer
    )
    [(create, inboxes)] = await sent("Create")
    assert create["object"]["inReplyTo"] == remote.ap_id
    assert create["object"]["id"] == comment.ap_id
    assert create["to"] == [PUBLIC]
    assert set(create["cc"]) == {BOB, f"{BOB}/followers", FOLLOWERS}
    assert inboxes == [SHARED, DAVE_INBOX]


async def test_like_goes_to_the_author_only_and_its_undo_follows_it(circle):
    """Ensures liking bob's post sends a Like to bob's inbox alone, and unliking an Undo
    that embeds it to the same inbox; liking a local item sends nothing."""
    fed, zed = circle
    await fed.deliver(activity("mastodon_create_note.json"))
    remote = await Item.get(is_local=False)
    viewer = await viewer_for(fed.alice.actor)
    assert await reactions.toggle_like(remote.id, actor=fed.alice.actor, viewer=viewer)
    assert not await reactions.toggle_like(remote.id, actor=fed.alice.actor, viewer=viewer)
    [(like, liked_at)] = await sent("Like")
    [(undo, undone_at)] = await sent("Undo")
    assert (like["object"], like["to"], liked_at) == (remote.ap_id, [BOB], [BOB_INBOX])
    assert undo["object"]["id"] == like["id"] and undone_at == [BOB_INBOX]
    local = await items.publish_status(URLS, zed, text="z")
    await reactions.toggle_like(local.id, actor=fed.alice.actor, viewer=viewer)
    assert len(await sent("Like")) == 1


async def test_share_goes_to_the_sharers_followers_and_the_author(circle):
    """Ensures sharing bob's public post sends an Announce `to` Public, `cc` bob and
    alice's followers, through shared inboxes."""
    fed, _zed = circle
    await fed.deliver(activity("mastodon_create_note.json"))
    remote = await Item.get(is_local=False)
    viewer = await viewer_for(fed.alice.actor)
    await reactions.toggle_share(remote.id, actor=fed.alice.actor, viewer=viewer)
    [(announce, inboxes)] = await sent("Announce")
    assert (announce["to"], announce["cc"]) == ([PUBLIC], [BOB, FOLLOWERS])
    assert announce["object"] == remote.ap_id
    assert inboxes == [SHARED, DAVE_INBOX]
