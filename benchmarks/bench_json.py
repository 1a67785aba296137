"""JSON floor: requests/s of qspace's `/healthz` against the baseline's plain JSON endpoint.

`/healthz` answers a small JSON document after one database round trip (`SELECT 1`); the
baseline answers the same document from memory. No qspace endpoint that reads the database can
be faster than this: it is qspace's middleware, one query and the access log line, and so the
ceiling of the cached ActivityPub documents (benchmarks/bench_activitypub.py), which read the
space's version with one query before answering from the cache. No target of its own.
"""

from __future__ import annotations

from benchmarks.context import Contender, Context, measure_throughput, throughput_results
from benchmarks.report import Result


def run(ctx: Context) -> list[Result]:
    """Compare qspace's /healthz (with a database round trip) with the baseline's plain JSON."""
    data = ctx.space_dataset()
    contenders = [
        Contender("qspace", lambda: ctx.qspace_server(data), "/healthz"),
        Contender(
            "qspace, access log off",
            lambda: ctx.qspace_server(
                data, label="qspace-nolog", env={"QSPACE_LOG_ACCESS_LOG": "false"}
            ),
            "/healthz",
        ),
        Contender("baseline", lambda: ctx.baseline_server(data), "/healthz"),
    ]
    measured = measure_throughput(ctx, contenders)
    notes = [
        "the floor of any qspace endpoint that reads the database: qspace /healthz does "
        "SELECT 1, the baseline returns the same JSON from memory",
    ]
    return throughput_results(
        "JSON floor /healthz", measured, baseline="baseline", target=None, notes=notes
    )
