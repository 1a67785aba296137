"""Pre-signed inbox deliveries for the ingestion benchmark, and the wrk script that sends them.

wrk sends one fixed request unless a Lua script builds them, and a signed request cannot be
built in Lua (RSA). So the requests are signed ahead of time in Python (draft-cavage, as
Mastodon signs: `(request-target) host date digest content-type`), written as raw HTTP/1.1
requests to a file, and the script below hands them out one after the other. wrk rather than a
Python client: wrk's C event loop adds a few microseconds per request, while an asyncio client
on the one load CPU would itself cost more per request than the bare baseline endpoint, and
could then not show that endpoint's ceiling.

Every request carries a different activity id: a repeated one would be a replay, which qspace
acknowledges without storing (cheaper, and not ingestion). The script counts how many requests
it handed out and whether it had to start over; the benchmark refuses a run that did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from federation.jsonld import ACTIVITY_JSON
from federation.keys import SigningKey
from federation.signatures import sign_request

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# Lua for wrk (LuaJIT): each thread loads every record of the file given after `--`, then
# returns them in order. `setup` keeps the threads so `done` can read their counters
# (thread:get reads a global of the thread's own Lua state).
WRK_SCRIPT = """\
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

records = {}
handed = 0
wrapped = 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  while true do
    local size = file:read("*l")
    if size == nil then break end
    records[#records + 1] = file:read(tonumber(size))
  end
  file:close()
  total = #records
end

function request()
  handed = handed + 1
  if handed > total then
    wrapped = wrapped + 1
    handed = 1
  end
  return records[handed]
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("inbox-script: handed %d of %d, wrapped %d\\n",
      thread:get("handed"), thread:get("total"), thread:get("wrapped")))
  end
end
"""

_SCRIPT_LINE = re.compile(r"^inbox-script: handed (\d+) of (\d+), wrapped (\d+)$", re.M)


@dataclass(frozen=True)
class ScriptCount:
    """What the wrk script reports: requests handed out, the file's size, and restarts."""

    handed: int
    total: int
    wrapped: int


def parse_script_counts(output: str) -> list[ScriptCount]:
    """The script's per-thread counts in wrk's output; raises ValueError when there are none."""
    found = [ScriptCount(*map(int, m.groups())) for m in _SCRIPT_LINE.finditer(output)]
    if not found:
        raise ValueError("no inbox-script line in the wrk output")
    return found


@dataclass(frozen=True)
class RemoteActor:
    """A remote person whose key the inbox already knows (its row is in the database)."""

    ap_id: str
    key_id: str
    private_pem: str
    public_pem: str

    @property
    def domain(self) -> str:
        return httpx.URL(self.ap_id).host

    @property
    def username(self) -> str:
        return self.ap_id.rsplit("/", 1)[-1]


def remote_actor(n: int, private_pem: str, public_pem: str) -> RemoteActor:
    """The `n`th remote actor, on its own server `rNNNN.remote.test`, Mastodon-style ids."""
    ap_id = f"https://r{n:04d}.remote.test/users/u{n}"
    return RemoteActor(ap_id, f"{ap_id}#main-key", private_pem, public_pem)


def create_note(actor: RemoteActor, n: int, published: datetime) -> dict[str, Any]:
    """A public `Create` of a Note, shaped like Mastodon's (its `n` makes the ids unique)."""
    note_id = f"{actor.ap_id}/statuses/{n}"
    when = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    addressing = {"to": [PUBLIC], "cc": [f"{actor.ap_id}/followers"]}
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.ap_id,
        "published": when,
        **addressing,
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.ap_id,
            "url": f"https://{actor.domain}/@u{n}/{n}",
            "published": when,
            "content": f"<p>Post number {n}: a short status of a usual length, with a "
            f'<a href="https://{actor.domain}/tags/bench" rel="tag">#bench</a> tag.</p>',
            "sensitive": False,
            **addressing,
        },
    }


def raw_request(request: httpx.Request) -> bytes:
    """The request as HTTP/1.1 bytes on the wire (its headers as they are, then the body)."""
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1".encode()]
    lines += [name + b": " + value for name, value in request.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.read()


def signed_deliveries(
    inbox_url: str, actors: Sequence[RemoteActor], count: int, *, first: int = 0
) -> Iterator[bytes]:
    """`count` raw POSTs to `inbox_url`, each a new Create signed by the next actor in turn.

    Dated now: inboxes accept a signature for about an hour (FEDERATION.md).
    """
    keys = [SigningKey(a.key_id, a.private_pem) for a in actors]
    now = datetime.now(UTC)
    for n in range(first, first + count):
        actor = actors[n % len(actors)]
        body = json.dumps(create_note(actor, n, now), separators=(",", ":")).encode()
        request = httpx.Request(
            "POST", inbox_url, content=body, headers={"Content-Type": ACTIVITY_JSON}
        )
        sign_request(request, keys[n % len(keys)], style="cavage", now=now)
        yield raw_request(request)


def write_records(path: Path, records: Iterator[bytes]) -> int:
    """Write records as `<length>\\n<bytes>` (what the wrk script reads); return how many."""
    written = 0
    with path.open("wb") as out:
        for record in records:
            out.write(b"%d\n" % len(record))
            out.write(record)
            written += 1
    return written
