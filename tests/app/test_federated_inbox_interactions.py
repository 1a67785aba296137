"""Content in: remote comments, likes, shares and guestbook messages on local items, with
the policy, the audience rule and blocks applied, and their Undo."""

from __future__ import annotations

from qspace.models import (
    Audience,
    Block,
    Item,
    ItemKind,
    ItemRecipient,
    ItemState,
    Like,
    Notification,
    Share,
)
from qspace.services import comments, guestbook
from qspace.services.audience import viewer_for
from tests.app import federated_support as support
from tests.app.federated_support import BOB, CAROL, DAVE, activity, with_object
from tests.support.factories import URLS, make_status

fed = support.fed
REPLY_ID = "https://remote.test/users/bob/statuses/113600000000000004"


async def kinds_notified(space) -> list[str]:
    return sorted(await Notification.filter(recipient_id=space.id).values_list("kind", flat=True))


async def test_mastodon_reply_to_a_local_status_is_threaded_under_it(fed):
    """Ensures a reply to alice's status is stored as a comment in its thread (with the
    thread's audience and space), counted, and notified to alice."""
    status = await make_status(fed.alice, "big news")
    assert status.ap_id == "https://local.test/@alice/status/1"
    await fed.deliver(activity("mastodon_create_reply.json"))
    comment = await Item.get(ap_id=REPLY_ID)
    assert (comment.kind, comment.root_id, comment.in_reply_to_id) == (
        ItemKind.COMMENT,
        status.id,
        status.id,
    )
    assert (comment.space_id, comment.audience) == (fed.alice.id, Audience.PUBLIC)
    assert (await Item.get(id=status.id)).comment_count == 1
    [entry] = await comments.thread(status, await viewer_for(None))
    assert entry.comment.id == comment.id
    assert await kinds_notified(fed.alice) == ["comment"]


async def test_reply_to_a_friends_only_status_needs_a_friend(fed):
    """Ensures a stranger's reply to a friends-only status (which they cannot see) is
    dropped, and a friend's reply is kept with the friends audience."""
    status = await make_status(fed.alice, "friends only", audience="friends")
    await fed.deliver(activity("mastodon_create_reply.json"))
    assert not await Item.filter(ap_id=REPLY_ID).exists()
    await fed.befriend(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_reply.json", id="https://remote.test/a/2"))
    comment = await Item.get(ap_id=REPLY_ID)
    assert comment.audience == Audience.FRIENDS
    assert (await Item.get(id=status.id)).comment_count == 1


async def test_reply_is_dropped_when_the_space_allows_no_comments(fed):
    """Ensures the interaction policy applies to remote comments too."""
    await make_status(fed.alice, "no comments please")
    fed.alice.policy = {"comment": "nobody"}
    await fed.alice.save()
    await fed.deliver(activity("mastodon_create_reply.json"))
    assert not await Item.filter(ap_id=REPLY_ID).exists()
    assert await kinds_notified(fed.alice) == []


async def test_reply_from_a_blocked_actor_is_dropped(fed):
    """Ensures someone alice blocks cannot comment on her items."""
    await make_status(fed.alice, "hi")
    bob = await fed.actor(BOB)
    await Block.create(blocker_id=fed.alice.actor_id, blocked_id=bob.id)
    await fed.deliver(activity("mastodon_create_reply.json"))
    assert not await Item.filter(ap_id=REPLY_ID).exists()


async def test_delete_of_a_remote_comment_lowers_the_count(fed):
    """Ensures a commenter's Delete tombstones the comment and takes it off the count."""
    status = await make_status(fed.alice, "big news")
    await fed.deliver(activity("mastodon_create_reply.json"))
    delete = activity("mastodon_delete_note.json", id=f"{REPLY_ID}#delete")
    delete["object"] = {"id": REPLY_ID, "type": "Tombstone"}
    await fed.deliver(delete)
    assert (await Item.get(ap_id=REPLY_ID)).deleted_at is not None
    assert (await Item.get(id=status.id)).comment_count == 0


async def test_mastodon_like_and_its_undo_change_the_count(fed):
    """Ensures a Like counts once (a repeat is ignored), notifies alice, and its Undo takes
    it back."""
    status = await make_status(fed.alice, "likeable")
    await fed.deliver(activity("mastodon_like.json"))
    await fed.deliver(activity("mastodon_like.json", id="https://remote.test/users/bob#likes/9"))
    assert (await Item.get(id=status.id)).like_count == 1
    assert await Like.filter(item_id=status.id).values_list("ap_id", flat=True) == [
        "https://remote.test/users/bob#likes/4242"
    ]
    assert await kinds_notified(fed.alice) == ["like"]
    await fed.deliver(activity("mastodon_undo_like.json"))
    assert (await Item.get(id=status.id)).like_count == 0
    assert not await Like.exists()


async def test_gotosocial_and_misskey_likes_count(fed):
    """Ensures GoToSocial's Like (addressed `to` the author) and Misskey's emoji reaction
    (a Like with `_misskey_reaction`) both count."""
    status = await make_status(fed.alice, "likeable")
    await fed.deliver(activity("gotosocial_like.json"))
    await fed.deliver(activity("misskey_like.json"), inbox="https://local.test/@alice/inbox")
    assert (await Item.get(id=status.id)).like_count == 2


async def test_undo_of_a_like_given_by_bare_id(fed):
    """Ensures an Undo naming only the Like's id finds the stored like."""
    status = await make_status(fed.alice, "likeable")
    await fed.deliver(activity("mastodon_like.json"))
    undo = activity("mastodon_undo_like.json", object="https://remote.test/users/bob#likes/4242")
    await fed.deliver(undo)
    assert (await Item.get(id=status.id)).like_count == 0


async def test_likes_of_hidden_items_or_by_blocked_people_do_not_count(fed):
    """Ensures a stranger cannot like a friends-only status, and a blocked friend cannot
    like at all."""
    status = await make_status(fed.alice, "secret", audience="friends")
    await fed.deliver(activity("mastodon_like.json"))
    assert (await Item.get(id=status.id)).like_count == 0
    carol = await fed.befriend(fed.alice, CAROL)
    await Block.create(blocker_id=fed.alice.actor_id, blocked_id=carol.id)
    await fed.deliver(activity("gotosocial_like.json"))
    assert (await Item.get(id=status.id)).like_count == 0


async def test_announce_counts_as_a_share_and_undo_takes_it_back(fed):
    """Ensures a boost of a public status counts as a share (notified) until its Undo."""
    status = await make_status(fed.alice, "shareable")
    await fed.deliver(activity("mastodon_announce.json"))
    assert (await Item.get(id=status.id)).share_count == 1
    assert await kinds_notified(fed.alice) == ["share"]
    await fed.deliver(activity("mastodon_undo_announce.json"))
    assert (await Item.get(id=status.id)).share_count == 0
    assert not await Share.exists()


async def test_announce_of_a_friends_only_status_is_ignored(fed):
    """Ensures only public items can be shared, even by a friend."""
    status = await make_status(fed.alice, "between us", audience="friends")
    await fed.befriend(fed.alice, BOB)
    await fed.deliver(activity("mastodon_announce.json"))
    assert (await Item.get(id=status.id)).share_count == 0


async def test_smithereen_shaped_wall_post_lands_in_the_guestbook(fed):
    """Ensures a Note whose `target` is alice's wall collection (FEP-400e, as Smithereen
    sends it) becomes a public message on her guestbook, notified."""
    await fed.deliver(activity("smithereen_wall_post.json"))
    [entry] = await guestbook.entries(fed.alice, await viewer_for(None))
    assert (entry.kind, entry.space_id, entry.audience) == (
        ItemKind.GUESTBOOK,
        fed.alice.id,
        Audience.PUBLIC,
    )
    assert "Greetings from my wall" in entry.content_html
    assert await kinds_notified(fed.alice) == ["guestbook"]


async def test_private_wall_post_is_for_the_owner_only(fed):
    """Ensures a wall post without Public in its addressing is a private message: alice
    sees it, anonymous visitors don't."""
    payload = with_object("smithereen_wall_post.json", cc=["https://local.test/@alice"])
    payload["cc"] = ["https://local.test/@alice"]
    await fed.deliver(payload)
    entry = await Item.get(kind=ItemKind.GUESTBOOK)
    assert entry.audience == Audience.DIRECT
    assert await ItemRecipient.filter(item_id=entry.id).values_list("actor_id", flat=True) == [
        fed.alice.actor_id
    ]
    assert await guestbook.entries(fed.alice, await viewer_for(None)) == []


async def test_wall_post_waits_on_a_moderated_wall_and_is_refused_by_policy(fed):
    """Ensures a moderated wall holds remote messages, and a wall closed by the policy drops
    them."""
    fed.alice.guestbook_moderated = True
    await fed.alice.save()
    await fed.deliver(activity("smithereen_wall_post.json"))
    assert (await Item.get(kind=ItemKind.GUESTBOOK)).state == ItemState.HELD
    fed.alice.policy = {"guestbook": "nobody"}
    await fed.alice.save()
    other = with_object("smithereen_wall_post.json", id="https://remote.test/posts/111")
    await fed.deliver({**other, "id": "https://remote.test/posts/111/activityCreate"})
    assert await Item.filter(kind=ItemKind.GUESTBOOK).count() == 1


async def test_wall_post_naming_another_owner_is_not_a_guestbook_message(fed):
    """Ensures a `target` claiming alice's wall but another owner is not taken as a message
    on her wall."""
    payload = with_object(
        "smithereen_wall_post.json",
        target={
            "id": "https://local.test/@alice/guestbook",
            "attributedTo": DAVE,
            "type": "Collection",
        },
    )
    await fed.deliver(payload)
    assert not await Item.filter(kind=ItemKind.GUESTBOOK).exists()


async def test_mastodon_answer_to_a_guestbook_message_is_a_reply_under_it(fed):
    """Ensures a Mastodon user answering the mention a guestbook message made (a reply to
    the message's id) is shown under that message."""
    entry = await guestbook.write(URLS, wall=fed.alice, writer_space=fed.alice, text="welcome!")
    reply = with_object("mastodon_create_reply.json", inReplyTo=entry.ap_id)
    await fed.deliver(reply)
    replies = await guestbook.replies_for([entry.id], await viewer_for(None))
    assert [r.ap_id for r in replies[entry.id]] == [REPLY_ID]
