from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "accounts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "username" VARCHAR(64) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255),
    "is_admin" INT NOT NULL,
    "is_disabled" INT NOT NULL,
    "locale" VARCHAR(16),
    "record_visits" INT NOT NULL,
    "totp_secret" VARCHAR(64),
    "totp_enabled" INT NOT NULL,
    "totp_last_step" BIGINT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_login_at" TIMESTAMP
) /* A person who can log in; owns one space (an admin may own several). */;
CREATE TABLE IF NOT EXISTS "actors" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) NOT NULL UNIQUE,
    "type" VARCHAR(32) NOT NULL,
    "username" VARCHAR(255) NOT NULL,
    "domain" VARCHAR(255) NOT NULL,
    "is_local" INT NOT NULL,
    "display_name" VARCHAR(255) NOT NULL,
    "summary_html" TEXT NOT NULL,
    "url" VARCHAR(1024),
    "icon_url" VARCHAR(1024),
    "image_url" VARCHAR(1024),
    "inbox" VARCHAR(1024) NOT NULL,
    "shared_inbox" VARCHAR(1024),
    "outbox" VARCHAR(1024),
    "followers_url" VARCHAR(1024),
    "following_url" VARCHAR(1024),
    "featured_url" VARCHAR(1024),
    "key_id" VARCHAR(1024),
    "public_key_pem" TEXT,
    "manually_approves" INT NOT NULL,
    "ap_raw" JSON,
    "fetched_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "deleted_at" TIMESTAMP
) /* One actor, local (backed by a Space) or remote (cached from its server). */;
CREATE INDEX IF NOT EXISTS "idx_actors_domain_037191" ON "actors" ("domain");
CREATE INDEX IF NOT EXISTS "idx_actors_key_id_5715a3" ON "actors" ("key_id");
CREATE TABLE IF NOT EXISTS "blocks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "blocked_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "blocker_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_blocks_blocker_9b7abb" UNIQUE ("blocker_id", "blocked_id")
) /* `blocker` blocks `blocked`: no interaction and no delivery either way. */;
CREATE TABLE IF NOT EXISTS "domain_blocks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "domain" VARCHAR(255) NOT NULL UNIQUE,
    "reason" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* A server the admin refuses to federate with. */;
CREATE TABLE IF NOT EXISTS "follows" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "state" VARCHAR(16) NOT NULL /* PENDING: pending\nACCEPTED: accepted */,
    "ap_id" VARCHAR(1024) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "accepted_at" TIMESTAMP,
    "followed_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "follower_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_follows_followe_fa2a56" UNIQUE ("follower_id", "followed_id")
) /* `follower` follows `followed`; two accepted follows both ways make friends. */;
CREATE INDEX IF NOT EXISTS "idx_follows_followe_e8951f" ON "follows" ("followed_id", "state");
CREATE TABLE IF NOT EXISTS "hosts" (
    "domain" VARCHAR(255) NOT NULL PRIMARY KEY,
    "signature_style" VARCHAR(16),
    "software" VARCHAR(64),
    "failures" INT NOT NULL,
    "dead_since" TIMESTAMP,
    "last_success_at" TIMESTAMP,
    "last_failure_at" TIMESTAMP
) /* What qspace remembers about a remote server: signature style, failures, liveness. */;
CREATE TABLE IF NOT EXISTS "invites" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "note" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "used_at" TIMESTAMP,
    "created_by_id" INT NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE,
    "used_by_id" INT REFERENCES "accounts" ("id") ON DELETE SET NULL
) /* A single-use, expiring invite link made by an admin. */;
CREATE TABLE IF NOT EXISTS "recovery_codes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code_hash" VARCHAR(255) NOT NULL,
    "used_at" TIMESTAMP,
    "account_id" INT NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE
) /* A one-time two-factor recovery code, stored hashed. */;
CREATE TABLE IF NOT EXISTS "server_state" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* Small server-wide values: the instance actor's keys, schema facts, ... */;
CREATE TABLE IF NOT EXISTS "sessions" (
    "id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "csrf_secret" VARCHAR(64) NOT NULL,
    "data" JSON NOT NULL,
    "ip" VARCHAR(64),
    "user_agent" VARCHAR(255),
    "created_at" TIMESTAMP NOT NULL,
    "last_seen_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "account_id" INT REFERENCES "accounts" ("id") ON DELETE CASCADE
) /* A server-side session; the cookie carries a random token whose hash is the key. */;
CREATE INDEX IF NOT EXISTS "idx_sessions_expires_6bcc94" ON "sessions" ("expires_at");
CREATE TABLE IF NOT EXISTS "spaces" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "display_name" VARCHAR(100) NOT NULL,
    "bio" TEXT NOT NULL,
    "mood" VARCHAR(100) NOT NULL,
    "theme_id" VARCHAR(64) NOT NULL,
    "theme_vars" JSON NOT NULL,
    "custom_css" TEXT NOT NULL,
    "layout" JSON NOT NULL,
    "policy" JSON NOT NULL,
    "visitor_log_enabled" INT NOT NULL,
    "guestbook_moderated" INT NOT NULL,
    "pinned_note" TEXT NOT NULL,
    "auto_accept_follows" INT NOT NULL,
    "hide_social_graph" INT NOT NULL,
    "private_key_pem" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE,
    "actor_id" INT NOT NULL UNIQUE REFERENCES "actors" ("id") ON DELETE CASCADE
) /* A personal space, published as a Person actor; its page is at @name. */;
CREATE TABLE IF NOT EXISTS "friend_groups" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "space_id" INT NOT NULL REFERENCES "spaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_friend_grou_space_i_cd35e2" UNIQUE ("space_id", "name")
) /* A named group of friends a space owner can address items to. */;
CREATE TABLE IF NOT EXISTS "friend_group_members" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "actor_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "group_id" INT NOT NULL REFERENCES "friend_groups" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_friend_grou_group_i_3f92ae" UNIQUE ("group_id", "actor_id")
);
CREATE TABLE IF NOT EXISTS "inbox_items" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) NOT NULL UNIQUE,
    "type" VARCHAR(32) NOT NULL,
    "actor_ap_id" VARCHAR(1024) NOT NULL,
    "payload" JSON NOT NULL,
    "state" VARCHAR(16) NOT NULL /* PENDING: pending\nDONE: done\nFAILED: failed */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "locked_until" TIMESTAMP,
    "last_error" TEXT,
    "received_at" TIMESTAMP NOT NULL,
    "processed_at" TIMESTAMP,
    "space_id" INT REFERENCES "spaces" ("id") ON DELETE CASCADE
) /* A verified activity received in an inbox, processed later by the job runner. */;
CREATE INDEX IF NOT EXISTS "idx_inbox_items_state_edf23f" ON "inbox_items" ("state", "next_attempt_at");
CREATE TABLE IF NOT EXISTS "items" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) NOT NULL UNIQUE,
    "kind" VARCHAR(16) NOT NULL /* STATUS: status\nBLOG: blog\nALBUM: album\nPHOTO: photo\nCOMMENT: comment\nGUESTBOOK: guestbook */,
    "audience" VARCHAR(16) NOT NULL /* PUBLIC: public\nUNLISTED: unlisted\nFOLLOWERS: followers\nFRIENDS: friends\nGROUP: group\nPRIVATE: private\nDIRECT: direct */,
    "state" VARCHAR(16) NOT NULL /* PUBLISHED: published\nDRAFT: draft\nHELD: held\nHIDDEN: hidden */,
    "title" VARCHAR(300) NOT NULL,
    "slug" VARCHAR(120),
    "summary" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "source_type" VARCHAR(16) NOT NULL,
    "content_html" TEXT NOT NULL,
    "mood" VARCHAR(100) NOT NULL,
    "language" VARCHAR(16),
    "sensitive" INT NOT NULL,
    "url" VARCHAR(1024),
    "in_reply_to_ap_id" VARCHAR(1024),
    "position" INT NOT NULL,
    "policy" JSON,
    "gate_question" VARCHAR(300),
    "gate_answer_hash" VARCHAR(255),
    "like_count" INT NOT NULL,
    "comment_count" INT NOT NULL,
    "share_count" INT NOT NULL,
    "is_local" INT NOT NULL,
    "ap_raw" JSON,
    "published_at" TIMESTAMP,
    "updated_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "deleted_at" TIMESTAMP,
    "author_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "container_id" INT REFERENCES "items" ("id") ON DELETE CASCADE,
    "group_id" INT REFERENCES "friend_groups" ("id") ON DELETE SET NULL,
    "in_reply_to_id" INT REFERENCES "items" ("id") ON DELETE SET NULL,
    "root_id" INT REFERENCES "items" ("id") ON DELETE CASCADE,
    "space_id" INT REFERENCES "spaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_items_space_i_34ae40" UNIQUE ("space_id", "slug")
) /* One piece of content; `kind` says which, `audience` says who may see it. */;
CREATE INDEX IF NOT EXISTS "idx_items_author__e6ce36" ON "items" ("author_id", "published_at");
CREATE INDEX IF NOT EXISTS "idx_items_space_i_37aeba" ON "items" ("space_id", "kind", "published_at");
CREATE INDEX IF NOT EXISTS "idx_items_publish_8f081b" ON "items" ("published_at", "id");
CREATE TABLE IF NOT EXISTS "item_recipients" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "actor_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "item_id" INT NOT NULL REFERENCES "items" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_item_recipi_item_id_2d4bda" UNIQUE ("item_id", "actor_id")
) /* An actor an item is addressed to (direct messages, remote addressing, group copies). */;
CREATE TABLE IF NOT EXISTS "item_tags" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "tag" VARCHAR(100) NOT NULL,
    "item_id" INT NOT NULL REFERENCES "items" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_item_tags_item_id_273845" UNIQUE ("item_id", "tag")
) /* A hashtag on an item, for tag pages and search. */;
CREATE INDEX IF NOT EXISTS "idx_item_tags_tag_50e6e2" ON "item_tags" ("tag");
CREATE TABLE IF NOT EXISTS "likes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "actor_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "item_id" INT NOT NULL REFERENCES "items" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_likes_actor_i_2a044c" UNIQUE ("actor_id", "item_id")
);
CREATE TABLE IF NOT EXISTS "media" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "mime" VARCHAR(64) NOT NULL,
    "width" INT,
    "height" INT,
    "blurhash" VARCHAR(64),
    "alt" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "sha256" VARCHAR(64),
    "variants" JSON NOT NULL,
    "meta" JSON NOT NULL,
    "capability" VARCHAR(64) NOT NULL UNIQUE,
    "remote_url" VARCHAR(1024),
    "position" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "item_id" INT REFERENCES "items" ("id") ON DELETE SET NULL,
    "owner_id" INT REFERENCES "spaces" ("id") ON DELETE CASCADE
) /* One uploaded (or cached remote) file and its stored variants. */;
CREATE INDEX IF NOT EXISTS "idx_media_owner_i_1c57d2" ON "media" ("owner_id", "role");
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "read_at" TIMESTAMP,
    "actor_id" INT REFERENCES "actors" ("id") ON DELETE CASCADE,
    "item_id" INT REFERENCES "items" ("id") ON DELETE CASCADE,
    "recipient_id" INT NOT NULL REFERENCES "spaces" ("id") ON DELETE CASCADE
) /* Something that happened to a space: a comment, like, friend request, ... */;
CREATE INDEX IF NOT EXISTS "idx_notificatio_recipie_dce4e8" ON "notifications" ("recipient_id", "read_at");
CREATE INDEX IF NOT EXISTS "idx_notificatio_recipie_3f569f" ON "notifications" ("recipient_id", "created_at");
CREATE TABLE IF NOT EXISTS "outgoing_activities" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) NOT NULL UNIQUE,
    "type" VARCHAR(32) NOT NULL,
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "actor_id" INT REFERENCES "actors" ("id") ON DELETE CASCADE,
    "item_id" INT REFERENCES "items" ("id") ON DELETE SET NULL
) /* An activity a local actor sent; stored once, delivered to many inboxes. */;
CREATE TABLE IF NOT EXISTS "deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "inbox_url" VARCHAR(1024) NOT NULL,
    "host" VARCHAR(255) NOT NULL,
    "state" VARCHAR(16) NOT NULL /* PENDING: pending\nSENT: sent\nGAVE_UP: gave_up */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "locked_until" TIMESTAMP,
    "locked_by" VARCHAR(64),
    "last_status" INT,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP,
    "activity_id" INT NOT NULL REFERENCES "outgoing_activities" ("id") ON DELETE CASCADE
) /* One activity to one inbox: the unit of the persistent delivery queue. */;
CREATE INDEX IF NOT EXISTS "idx_deliveries_host_b30484" ON "deliveries" ("host");
CREATE INDEX IF NOT EXISTS "idx_deliveries_state_36d329" ON "deliveries" ("state", "next_attempt_at");
CREATE TABLE IF NOT EXISTS "shares" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "ap_id" VARCHAR(1024) UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "actor_id" INT NOT NULL REFERENCES "actors" ("id") ON DELETE CASCADE,
    "item_id" INT NOT NULL REFERENCES "items" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_shares_actor_i_cdc480" UNIQUE ("actor_id", "item_id")
);
CREATE TABLE IF NOT EXISTS "visits" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "visited_at" TIMESTAMP NOT NULL,
    "space_id" INT NOT NULL REFERENCES "spaces" ("id") ON DELETE CASCADE,
    "visitor_id" INT NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_visits_space_i_2b4601" UNIQUE ("space_id", "visitor_id")
) /* The latest visit of a signed-in person to a space (one row per pair, time updated). */;
CREATE INDEX IF NOT EXISTS "idx_visits_space_i_a5e8c3" ON "visits" ("space_id", "visited_at");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXVtz2ziW/isov2xSpaQSObdxtrbWjp3E27aVsp2eqWlPMRAJSViTBJsXK6rZ/u8LgK"
    "TEC0gREkVRCF66HRIHpD6AB+d+/n3kEAvZwctT0ySRGx6dgH8fudBB9I/irQE4gp63usEu"
    "hHBs87EwHsQvwnEQ+tBkk02gHSB6yUKB6WMvxMRlo0+Bh/yAuGA+I8CELrDJFGD3IyBzNw"
    "DERSDwoInAM3oLWg52gQMX7CYI0BPyof38JXuQRUz6JOxOW5wzcvGfETJCMkXhDPl05j/+"
    "RS9j10I/UZD+03s0JhjZVg4vbLEJ+HUjXHj82qUbfuYD2euODZPYkeOuBnuLcEbc5Wgcwz"
    "xFLn2hELHpQz9iALqRbSdYp5jGb7oaEr9ihsZCExjZbBkYdfwCq2tHhnEzujfuLu4N46i0"
    "RClFBuHkkklctryYLTb79VP2Ci+Gr9+8f/Ph+N2bD3QIf83llfd/xY9eARMTcnhu7o/+4v"
    "dhCOMRHOMVqFGAfP53CdpPM+iLsc3SFBCmr15EOMWzvxA78KdhI3cazug/372pwfP309tP"
    "X09vn71785w9kNDPMP4+b5I7Q36LQb6C2INBMCe+ZcxgMJPBuUS4EdgJlEus0yErsFdcpH"
    "O0h2/fNoCbjqrEm9/LA44Dg3OgMtZnhNgIuhUsI0NWQHpM6TbZ102wXl7ZAdg12J6NRlds"
    "ZicI/rT5hcv7Asbfr88ubp+95tDTQThEWZ6Sw9vCAcNAwKHXQZ6l1KhLoG4TE9pSfHtFoR"
    "4jef2uAR95/a6SjbBbeXx9ZDLe+4QDHMtdEvu6RNvhzk6PzoPd2CEJPSNApo9Cmd1dIFNv"
    "i7cvmXDIkLsJ5y6SatYtu8NtGIRGECJPgDyeVio2Zdr1Sk5byL/a1T6PlZy/DYfHx++Hr4"
    "7ffXj75v37tx9eLbWd8q06tefs8gsDPbc45VWgnILhY0ABmzmnd0LsIPEa5CkL+FsJ6cv0"
    "j12txi4ZD/2B1si1FwlPrMH6/vL64u7+9Ppb7ts4P72/YHeG/OqicPVZ8RxeTgL+fnn/Fb"
    "B/gn+Obi44vCQIpz5/4mrc/T+P2DvBKCSGS+ZUcM9ojenVFLW82MQ+HZtMsbvBwpeIW1j7"
    "np05B7LUKSaltWbmo8ljxtbBLoyh+TiHVCLL3cloMO4TZdaB4UBLIFGfJdSff7tFNuSAlp"
    "c+seZd8pkO8JP/K93r6dXVp1/EyYgCobywC5j6+XXUo8Sk/yfkL+gw+pjtgLpN5vpELGV3"
    "VYCCgM67JVJ38SyK7iluXN8WITaHqpso1rVb4OC/s4lUQokdgGRIqo7E8i1n6BSvQBdO+U"
    "9iz2ZPWjqvQuIfCb1a7Mag3qdFhzT0aI1cBPj4AeBWLPCMvT+ywHgBIOAb+zkgPvCRQ0IE"
    "npnQnNG7E584gG4LECCfclGBW6utiR/cB/eKTwBdKx3tIeLZCAQz6CMQznAA+I8HAQETYt"
    "tkHtCn4kcUcCKTOA6iiwnmxH+kw+k4iimYw8WDO58R5kUDmLna+D3C3GcAuZZ2q/XQrQY9"
    "Q4RrtfVqSaCcQ+31q2ETwxUbVm2d5TcLRhSGkATC6fh2AG7C7I++cY/5UScwHw8bgHw8rI"
    "SY3coD3A/X8L4tIbt3V1rEgSJnZTXKK4pdYbw/drErjzA/3eXdk0sybeCWMHBbOPBsuDBk"
    "2UeRrkNe3Q2X3snuDiLHgf7CmIWOYIffo58VwlyRTgG066yXF/+4z23vFNNn16f/eJ4zXl"
    "6Nbr6kwzNr8OlqdFY8I30B4jXHo7850D2zWnQj5GH6VEMS5CyNRrox0g7V8KWhzhJprBtj"
    "7Y7JTymcUwIFWHQ3EHObi2VII12k05u6KeIkCiWxXlFolJuiHNsNkR/IsuoSocZcDnP6Hp"
    "thniHUmDfGHMEwYpxYFvICnUa8KeKPaCFps15R7Ahl9YzWXjS2sWkw5DzkyCjrZUoVtnbX"
    "+roD3Qja9sKAnueTJ6FHvc4iKKTXwd3NLYPQM3w4L6P+P3ejm0rPWEJRDLbDZgj+D9g4aO"
    "KuP5yNz6Co3/jFPT7Ih86xCYobf4JC5rjeIOYxT6kDHvsW8KhDmpud7+qGNEeeteGq5yn1"
    "qvdl1QUfeyngzUI22mzV85Sao/dnkbcIYR/bhMWtGeOFQKSVCH88Y/Mc4JfeKEiUg9RGkK"
    "jSKC1Nhdth9JlPozZIbBoNUiVIU59EnuEgZ0x30wx72+4oHyPX+sImveZzqoobVZ+dLbG6"
    "DGMrkYrw0POTHrEB89O1A9QtMrFH95ZScf+5rEcWZb4dTld0ClXhIVE4JVvz8lEyy6kZ4i"
    "ccLg5Wcl6TisRc5NumIrE5VNpNUkk2hbSuaihHLron9D/t5XYdyoaTzEOK5XFBHtJSUK/O"
    "Q4qVAj5mbR7Sj1jN8n+AmAokF6wf9JUIoD8AsQnoaJ7SQy/Rx2GWwAkQ5hk7c7goZyG1N6"
    "0gEeiPRDfk0lIy79G/dHrQr5MeVPzof4HsIG0Jr16Aw7SJNrGEp0YwKaaVJ+qumk7v+VcR"
    "V38TXH2Nax7XknW3BHMZ48/ER3jq/oYWHOpL+lLQNUUpMsX06wMDuEoepJd9OF+KJ4W9RX"
    "9/7NPgh+jp3afT84sjEWPQyDZE1qpFttofsctaA+eJyHskEPOX92ol/URoxkiu6gBX5kFI"
    "eJVrHhl+wlPw6dKGgEz436w4Ng5C5IYr0Zyue4QqSw5sP+v6pP8/qIAI4zo7LvoZUpkmRI"
    "7H/h8rAFri70ri5wssnV6TJVIwnXpXwv+MBFKlQ9PxOpu6Wb5pylPK+F64kVM6SPMJNilx"
    "h6lMHnKtxLorAfnRt4ub88ubLycgoX9w7y5u7k9AQPnxg/vl9PcL4/u3EzCFT8iIvCKfb/"
    "QBtF61OOHwAvNsJQvPkihTS7Q11ad4bpZwrbcmCMgVNCkciAmhUQxlIv9GbogFh/Wa+qAF"
    "Wh1bdQArLYqYqi2ivyJSIQVj10XGk1rVMIxkDqUC1UbnUt+Abvlk4hAh3ycCg1F1HlGeSo"
    "UN3HUOkXYtVG9xdV0LE+ziYMMMmjypFgr6LBSkljk5X0eBSjs71js7YCZKakub/AaBV30D"
    "u6l5vrDRemWf51UJKyNxsrcHtVZ6PtCQCcs5TerwcqN53H3SR5MoQAEzsE+QxbcCmONwJu"
    "psKUesa+32y7S+//qZPYqn2YnBl0p1SR3bpgivKJSrWPX21asGCNNRlQjze1qn+DV1Conk"
    "vl0e1knekeCcXmUkVR/RSfX6ZofzjzSf7Eda9R6kl6wfH0E4JwCaJvJCVlc/GTAm4YzFtA"
    "bAgY8ITHjiTyAInG13bmH0bPoI/mUmc5fiZ/9Y3RqkTi7tYu9UDvh13ZKnnz5dfLu/OD9Z"
    "bvaeOCN1mLMOc9ZyQ+u2yPQr32DZC6TaFtlnW2QqUsjZIgtU2hYp8J2lMt1GyOqQ9qPGVt"
    "6c8Kwjr+tMu4XdtT6oPatxaGybYNvHsPZMUYsjkTqeuT2o1cn5QIOX3GhsNmcPswCnYTHn"
    "iS4MIOCJyYDM6W4AJnRBUnIB8IILICQiM/p2kwl172V+NEdFJ63uU7+WbeajcB+w141swK"
    "9rbMCvtQ1Y63L8c2AcTk4MzZJoGXS9DFpRZENaSFKtf3JRSMruK1kJKSO3xNW+ynjrSl97"
    "rfTVTztNt+2qy9uqXuJe7b1mcreR2fxrxe9qqISi8HSpAnBdTcvCey3gwtZAOkSQaMtRCe"
    "NisUgpTLMkGtP1ktCSh2wpCRWMEgcGclN5KLu71lvjYGpC06a4dRGspN7GuR873FeWBC4Q"
    "B74myeHVEgBLH29ocfv7DIbgz9ge5qNEWgBwTKIQQHaFhCgJRz0BAd03vJsVCMKFTWebQG"
    "zTfwYDwGpBuCgQRMTs5AlbhLzq6MzdRGfWxMGki2rwRZWBXkCqQobYruNcAjIJ50lB08ZQ"
    "Z2jUw7j9NNKUM8m4azMkurBBUdy2ELSMALsi09i6/iFZSh1C0ucQkjiPOjJNepRv4FkQkO"
    "v17v16J4xv0/XOk+v17tt69ySF4JJVJ+PGZ4HWtLo5qFOd4gpnSyN4k5AFVsCPvqG1qqHn"
    "IxNRbcUCmJXHjmvpDYDnE5M3iQA23Zk+GC94gt//kjHwI5fuV1EIQ7uT6wJ9fRN/elOSu2"
    "fgdhKszhGSQDgdr2AAyfGwAcDHw0p42a1CrgU3q8nv4jyZglDvrJU3XNgECsCubmWcIdmq"
    "l3HfAK+BdyfNjH/dTK9zKkaeAIu46MH9fHp5xXK+mLjem4wvXX6yXSuNLj/5Cyh0uvzkL7"
    "nSun7f2jXdRf2+VKPfgJ0WSBVkpQpHWi9tNhssfJFWc9Y+c9Z9xNT3bDkVC6nvGbpdRNTv"
    "1nT/hPmLCOz2/M6g3mjPxjQvzUeRtNGLiN1FPz3MkAXxHMDG7iNwoIWYBZ1nBjrYFZbo22"
    "gSXaqvX0b2kDwi15jBYCZlB85RKWdubz9WxiVV5rEKKwHp3CImaQrbNN6uUZ7msCZPc6jz"
    "NLX2wKbghw7aJIYmT6ngqh/IKjdSHaLN9MNIq4aHsb4pCx5LFngv0el0I4G3gn8GstDmib"
    "TyvVb5Xu3FFjTwU9Mk0UFu3qZKeOnTXZ/LlWzJTuHt2R5uim7+681BS18B3Hy/utqblaMq"
    "NnF9WGLzgETWzdfDiNU3mgCKFmvW+xH8eKTL9gMErMrwfIbN2QD8gJGFEd0sy8sEOHABAo"
    "QADsVtgtuauL62UmBHU0FBY3qOzhIvUzS2lx1s6LgMLXsd8ZDclQG3keiQRh3S2Bm4nQSB"
    "pdt/k0Ck5afT45i7Iypv33+/OwFxK74H9+xq9OUEjG3Cyk5fnX2/PgHQHkfOg/vt6+h+dA"
    "K8GQnJg/tpdH3Nm+WaxHHifrnfqfB+Nhr9dgKmEQrCMSGPRaa3p6ClhH9uupBZ+i6DyhiD"
    "NSUNaUffvp9dXX6i68SpH9zvN1eXd7x2eOSy8ENkPbifR1dXo79f3NJ1T4tS0qX/fHt5cX"
    "POrsWF/eiS3o54A2SWJ083wO3l71TFo1P7+In+2Af3/PL24hPdAxb2kRn2Y7EPL3YwPUc3"
    "Wum7r2xpl3PQNbk9/cyWxIcT+lF+vbiit2f0N9O/L8/PL27ov7BlIbcfqxXiUC6DeUmgnC"
    "37uJEt+7jGln1ctmVz0U8C3nS8CnFHhb07bFTScVhT0nFYhjdyHOgL9Mjq+K4MiQJbuOvY"
    "roBEvuggr8F7SaHh3hBuQzaxp0DWIfAh3QfdsOv2z8LEBmDMQkcQGVy9w4t0ep9L73OHEC"
    "lFOh2vANQdFD62oTuN4FSKhWRpFBRG2ld7kBvgED8JQD4jxEbQrWDVWboC0FSDt3e1n5dX"
    "uuUeZ6PRVY57nF0W2cP367MLCj7Hng6K4+hEvjBfwKWrN3QyXMG9vCPTG3YNH3n2wgiJfN"
    "qrkFhj3zj3lTCmIGoJW2m0z5LoNL8is/CIjU2BnliTS7yk2CqVuGfbt+tM4ilFxviTmaOF"
    "u7magZQI1WMeOzE4cdygG7A+R7JxwCJa9WDfSQdvGz8iYxmJ0JBl54k00y4y7cS1JY1riU"
    "5DW4Q2oExAfsMWqDSsRVhxYNjEhALFpFYJzJJ1qAOm4QIHqwJSzcKHcxmpbkWhpbrNpbpi"
    "6JFUpm+BVodz9zmcO/KsDXNx8pR6lfu8yjrjqlpCUDfjKg4k3mTV85T62+7ztx1HGUu2Us"
    "rS6EQcoWrqhnRy2QbnRTKdjNOPNlWKQ5r1xshlApQINbxleH1CQjlcMxQaUIF1StcX2nGK"
    "4yr3aOv8O8W7qWVFofWJjbpuUyNU19dtKkkELYAq11XxQKGtbKq4yhatEA1aQFitVslFaM"
    "vSUAOA2VGvkV2DbEYeWs8OlkqUhnVdZn5B3dy86XwS46w7qVf1mWeMAYu652l8+C8MZ8yQ"
    "quGp3D4m9nA7X9htOpdCYnl+L8FpCzDdw6mqALHAoi0RuqJTqAqPgywMt4PnOp1CQV6UtG"
    "bb+jQbReGU0Lc5TVq9KQoXD4raEqq7WdKpWJXPbddlh1ZnXEX9odwhWF+IyMgfvg1KLruA"
    "t/Xi/QrpBAAHAFqWHzcsDAl4FhdkAA69Qn9DMEj7wiejKKSDuKoDMAl9cvBcUJJ5Rw8Rli"
    "rCacUmbs0rlirSVYXaN3bXVBXiHePk/LUZEu2uFTnA2Gcut1tXFBrR9f6ElIF0Y47pG7iN"
    "DYirTbXezAVTz4r20NR7aDLMr1c9IBIds0JASdTPNaJJquo26QPBUnboeEDcVGYYgAkVIN"
    "g1j0kI9LIFAgR9cyZqASFNXytKUCotSOy3GQSUKj2UDN9VSYV91ibcQU0FLVFoiaIHh99a"
    "iWI/Zx+3HgoOvtSqWH3qLU2Xa0+8aiyF59JSnOIbS59Mv1Dh3KJV8Reom6szOqoXQN2MDm"
    "060qajfiJaF4qq7Rwt2TmK21aLzwcqPsfeZYH8vHQ7VwvQS+d2s9YakWcTaCELPCM+MKE5"
    "o3/GfqTnYIJtxG0+OAxAQHcfvfcEfQwpyuJ+GlvNtr6Z6B9HZJ7E/fmE/lzd76JTsb26GY"
    "MY1+4bMBxhJ6lZ2YHo3noNSb6nJfBNx3dZLJ91nzhUfJ1EYWmKbzq+zw1ENgS3/Z64c2yF"
    "gmpjlUx3OV5na5WVjhmV0mYylZlWBBrOMpxjO/Jli+FladQrgtf+9w9twX6tLpqeDFeggH"
    "ed/WgXtdLHi1AYboinldxhSaJMxba/DYfHx++Hr47ffXj75v37tx9eLXlE+VYdszi7/ML4"
    "RQ51Ybm84dt3MuxjRaGZx3rmkeqBZYSrS7llabYq5rYZO/nPSeSaDEcwjrAdYjd4yR77X3"
    "tgMzup8eagUBAjX70c6Xi9FK0vhQk9OMZ2EkLflAPlqZTrONk+E4oNVYZkX4E8lXrMXpe4"
    "360k015JKu3y/QVdvt27J/vGrVr+jLiHQQ7RLImGdK3Dd+nD2dI3qXiNnOyu6pu/90AhrX"
    "L3riq37Mffe0NCPMEmTH53ye2buz+o8/66mZENEwfuCFXdZhReEM5gCGZ0crr4PMUQAl6o"
    "6YT+kfRUGAAWoDlIWlQDH/EWLQPw8mXZIdzmxE18w3425ZOd+EygoaMKdzLSjvYfa/9xZ+"
    "Dme/8MG+hUx8Pqzj9DHfGpxf8Vm5Nc8gyZrt7d6+rde4jo7dlyHn5Ar+KALqUryRrIBTId"
    "K71edc4Jsh2pz32DuKmyV9xf/cu47xlfUCEQ/UAh7WkceqmCl8A2IaryVW2fIMloI19krG"
    "nNJf4EAAHvlpfURwroJ/4xDSgndBMNAH0sfkJ+bGugv24BsDsmP5Egar3FedfbKLS5QeEs"
    "056B24kTlyMkgXA6Xlt0Glh0PLhg2TRlfGualq9Iuo/D2Y9Kv5uIG21M+wWNadrYoo0tfQ"
    "S0R8nTPUNXq6y9U1mb+NJzPUiZRrV1renzeJ4mNab7dqBWAb7TGsq3yCQMr0/0n0cCrT53"
    "f1Cn0fvJSPoDrMbKPNWn0QsmAIFwTl5MYoU7nQmwmQap5s1ysJAlqle40RxaSe+Xks7WyZ"
    "DNzcsRKahLDt++baBM0lGV2iS/lxfFomCzPu6BbvS8b+WloavYJJGsEy5PpF1wTSRujlgr"
    "MvdypgODuLnYnd1dffJs3CGfigl3IQyF4k/2dq30E/CBRrAcuT7c0oG2DWK6F3NsIfAE7Q"
    "gFFMEZAjjZNbEP4j8C8IgWAZVjzBlyIGBCTlARbNnatFtISHRWmWM8Ga6ctb2t1LRqqYmv"
    "rYxheEmgzcJbmIUjz9rQLJyn1GbhHktWS927dBjt45gKgoqcgPTWmuOJD2qslifnR8DOj4"
    "T2Iz9ATEIeMf0f9JmtBkDgQ9ciDgjJI3LBfEYCxLVs1qWIjaesXaSytz5/y+p89VmlqGN4"
    "90eVGfgTI0CmjwRMs0bFz5MpqOS3n8DO1kBGKEjH65INrUsKWNCvvoa5eBvv8Z4ZVHa9xS"
    "N6ghj0rBQp4NX45qnUw3kn9kIdA6GasNskBsKGQUjPXeRusO5FWr3yh7Ty6KeH6WwbrHue"
    "sptV71JkPpBF7rWXoG/np3pOgp4hrICPgDflFple0m7dNYaXZVNw3cdK3eAF3cdK97HSom"
    "j7oqjuY6VCJLaKiPYoFLtv8KoQi32omPY0fzguMSCSoNPaAzUSNBvS2HHpIT8gLrTjumID"
    "4EVjG7OgXwCZN/Ebvx1Hv3zkDahYQ3PmTIQh+G/2ciJvZTuT6ojjfgnt/P8SMns6Xvt+1z"
    "sgceDZcGHIQlykU6ArSAct6MeYlEGu7riSDFcA2zpNZxcdVxxCpLT8dLwCUHewjemh6CBJ"
    "O0qWpkOU0z8PlD3HqD1BX6rPSp5Kx4rUs5dNig1EQUgcwwwEy1LNzvNUCrCarrk6FThIJD"
    "ArVn8JKwr9FbT+FXjExqYgfaCm2MmSQi9H68vxhAPM7DQ2mRrIZVAJDugzQmwE3YqUA/EM"
    "hbUa0yl2tUipatXtcpyNRle55Ti7LHKj79dnF1RO4mtDB+HYWFO22U5ZDXSK0KPBDCQxPH"
    "KLUDFDh4uwvHKwq+Bh10WW4ZJQoNRWH9AFMn1CS5/Q3EcETRN5oTEhtk3moioRddu/Yga9"
    "/SW2/wxbyAiIiaFtTH3oCTL1a9dASK9XQIYB+fiJgmI8ooXhidwhNUyoTKpEKkXXrEjHIV"
    "QuhcJxCDrfU7VVF8TIJm+/3w5wvVvelqNPehHRc/BuzZrok7aa6qlflGR9X73qYIkV3nGf"
    "MirQksjbsnbdZz7VFzaTQrDno3hYmXSDRalsidUlm0itwoqlcKdtIVIXHQdZWJDhLIPOdT"
    "qFgvCUmj9uDlOx46SKTIkbqLfE6Xc2h0oAlcMB10a4jlx0T+h/dh3fulfxrb3o1vbCK+PN"
    "JwivXO7K6vDK1eZfH155P0OAfggoCAEnA2TCOrhSuRJZL7CbxElm+rqCZ8RFwCdzdgt4EP"
    "sDwCu1Jmrx83K05Y6eIUyhCtLo08RFVcqiKg7R3WL3EKeZQb4Ebr3xJU+poPHlcI0tZRsb"
    "/9LkLANZEm1tEVhbUte7FKp5Io3repvL8pDY0uaieifG7Pe6PuMnPZS3x1V9W1b+m+1T6s"
    "8p8rE5EwmnyZ1a6RSuxrSaPq8Tb/Yp0FERPlGmm8Z5Z0iUcFt3ULaLfVQSCCfDFUR3J8kK"
    "9ImhsPhcdZhqhkQXX5aMSC0JX10eZn/9P1lTFjQ="
)
