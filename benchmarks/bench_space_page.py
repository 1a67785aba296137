"""Space page: requests/s of `/@name` for a space of 20 items, qspace against the baseline app.

The space holds 12 status updates and 8 blog posts; its page, in the default skin and layout,
shows an anonymous visitor the newest 10 statuses, 5 blog teasers and the empty albums,
guestbook, about, friends and visitors modules. The baseline serves the same HTML from memory.
Target: qspace serves at least 50% of the baseline's requests/s.

qspace caches the page for anonymous visitors (qspace/web/page_cache.py), so the "qspace" rows
measure mostly the cache. The "uncached" contender sends a session cookie, as a signed-in visitor
does: any session cookie bypasses the cache. The cookie here is not a valid session (qspace
refuses it by its signature, without a query, and clears it), so that row is the full anonymous
render: every query, the ORM and the templates, plus one Set-Cookie header.
"""

from __future__ import annotations

import httpx

from benchmarks.context import Contender, Context, measure_throughput, throughput_results
from benchmarks.report import Result, Target

TARGET = Target("ratio_at_least", 0.50)
# The session cookie of the data set's https server (qspace/web/session.py: cookie_name).
UNCACHED_COOKIE = "Cookie: __Host-qspace_session=not-a-session"
# The two pages are rendered from the same templates and data; a larger gap means they have
# drifted apart and the comparison is no longer like for like.
MAX_SIZE_DIFFERENCE = 0.10


def cleared_cookie(response: httpx.Response) -> str | None:
    """None when the response clears the refused session cookie, which shows the page was
    rendered for this request: the page cache never stores nor serves a Set-Cookie."""
    if "set-cookie" not in response.headers:
        return "no Set-Cookie clearing the session cookie: was the page served from the cache?"
    return None


def run(ctx: Context) -> list[Result]:
    """Compare qspace (default settings, with its access log off, and past its page cache)
    with the baseline."""
    data = ctx.space_dataset()
    path = f"/@{data.space_name}"
    contenders = [
        Contender("qspace", lambda: ctx.qspace_server(data), path),
        Contender(
            "qspace, access log off",
            lambda: ctx.qspace_server(
                data, label="qspace-nolog", env={"QSPACE_LOG_ACCESS_LOG": "false"}
            ),
            path,
        ),
        Contender(
            "qspace, uncached (session cookie)",
            lambda: ctx.qspace_server(data, label="qspace-uncached"),
            path,
            headers=(UNCACHED_COOKIE,),
            check=cleared_cookie,
        ),
        Contender("baseline", lambda: ctx.baseline_server(data), path),
    ]
    measured = measure_throughput(ctx, contenders)
    sizes = measured.body_bytes
    notes = [
        f"{data.statuses} status updates + {data.posts} blog posts, all public; anonymous "
        f"visitor; default skin and layout; page {sizes['qspace']:,} B (baseline "
        f"{sizes['baseline']:,} B)",
    ]
    if abs(sizes["qspace"] - sizes["baseline"]) > MAX_SIZE_DIFFERENCE * sizes["baseline"]:
        notes.append(
            "WARNING: the pages differ in size by more than 10%: qspace's page has changed; "
            "update benchmarks/baseline_templates/ so the baseline renders the same page again"
        )
    return throughput_results(
        f"space page {path} ({data.items} items)",
        measured,
        baseline="baseline",
        target=TARGET,
        notes=notes,
    )
