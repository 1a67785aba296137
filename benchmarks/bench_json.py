"""JSON endpoint: requests/s of qspace's `/healthz` against the baseline's plain JSON endpoint.

A stand-in: qspace serves no ActivityPub JSON yet (actor, object, outbox). `/healthz` answers
a small JSON document after one database round trip (`SELECT 1`); the baseline answers the same
document from memory. Replace the path with an actor or outbox URL once those exist; the target
(at least 60% of the baseline) applies then.
"""

from __future__ import annotations

from benchmarks.context import Contender, Context, measure_throughput, throughput_results
from benchmarks.report import Result, Target

TARGET = Target("ratio_at_least", 0.60, enforced=False)


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
        "stand-in until actor/object/outbox JSON exists: qspace /healthz does SELECT 1, "
        "the baseline returns the same JSON from memory",
    ]
    return throughput_results(
        "JSON stand-in /healthz", measured, baseline="baseline", target=TARGET, notes=notes
    )
