"""Fan-out: one public status to 10,000 followers on 500 servers, delivered by qspace's job
runner to a stub inbox server (TLS on 127.0.0.1, 100 ms per answer); seconds until every
delivery is acknowledged. Target: under 3 s.

Followers sit on `hNNNN.fanout.test` hosts, 20 per host, stored in a random (seeded) order as
follows arrive over time; every server has a shared inbox, so the post makes 500 deliveries.
Each measurement copies the prepared database, starts a fresh stub (on the load-generator CPUs)
and runs `benchmarks/fanout_driver.py` in a process of its own, pinned like a server: it
publishes through qspace's services and polls until no delivery is pending. The stub then
confirms it received one signed delivery per server.

Baseline: the same number of deliveries signed and sent by a bare asyncio loop with the same
client and the same concurrency limits (32 at once, 4 per host), without the database: the
floor the delivery queue adds its bookkeeping to. The personal-inbox variant (no shared inboxes:
10,000 deliveries, 20 per host) is measured once per run, for qspace only: about 30 s each.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmarks.context import Context
from benchmarks.datagen import Dataset, create_space_dataset
from benchmarks.fanout_driver import ZONE
from benchmarks.harness import (
    LOOPBACK,
    TASKSET,
    BenchmarkError,
    ServerProcess,
    python_module_argv,
    summarize,
)
from benchmarks.remote_data import RemoteRow, add_follows, insert_remote_actors
from benchmarks.report import Result, Target
from benchmarks.tls_certs import TlsFiles, make_tls_files
from qspace.db import database
from qspace.settings import FederationSettings

TARGET = Target("at_most", 3.0)
FOLLOWERS = 10_000
HOSTS = 500
SEED = 8
# A run that has not finished by then has failed; the personal-inbox variant takes about 30 s.
TIME_LIMIT_S = 120.0
# qspace's default total delivery concurrency, which the bare loop uses too.
CONCURRENCY = FederationSettings().delivery_concurrency


@dataclass(frozen=True)
class Measurement:
    """One driver run: its timings and the deliveries by state, and what the stub counted."""

    result: dict[str, Any]
    stub: dict[str, int]

    @property
    def total_s(self) -> float:
        return float(self.result["total_s"])


def follower_rows(count: int = FOLLOWERS, hosts: int = HOSTS, seed: int = SEED) -> list[RemoteRow]:
    """`count` followers spread evenly over `hosts` servers, in a seeded random order."""
    rows = []
    for n in range(count):
        host = f"h{n % hosts:04d}.{ZONE}"
        ap_id = f"https://{host}/users/f{n}"
        rows.append(RemoteRow(ap_id, inbox=f"{ap_id}/inbox", shared_inbox=f"https://{host}/inbox"))
    random.Random(seed).shuffle(rows)
    return rows


async def _store_followers(data: Dataset) -> None:
    async with database(data.settings()):
        ids = await insert_remote_actors(follower_rows())
        followers = list(ids.values())
        await add_follows(data.space_name, followers, space_follows=False, followed_by=True)


def prepare(ctx: Context) -> tuple[Dataset, TlsFiles]:
    """The data set (a space with its followers) and the stub's TLS files."""
    ctx.log(f"fanout: creating the data set ({FOLLOWERS:,} followers on {HOSTS} servers)")
    data = create_space_dataset(ctx.workdir, name="writer", statuses=0, posts=0)
    asyncio.run(_store_followers(data))
    return data, make_tls_files(ctx.workdir, ZONE)


def tls_status(ca: Path) -> Any:
    """A readiness check for the stub: the status of a GET over TLS verified with `ca`."""

    def get(url: str) -> int:
        if urlsplit(url).hostname != LOOPBACK:
            raise BenchmarkError(f"benchmarks only send traffic to {LOOPBACK}, not {url}")
        context = ssl.create_default_context(cafile=str(ca))
        with httpx.Client(verify=context, trust_env=False, timeout=1.0) as client:
            return client.get(url).status_code

    return get


def _stub(ctx: Context, tls: TlsFiles) -> ServerProcess:
    server = ctx.module_server(
        "fanout-stub",
        "benchmarks.fanout_stub",
        "--cert",
        str(tls.server_cert),
        "--key",
        str(tls.server_key),
        on_server_cpus=False,
    )
    server.scheme = "https"
    server.ready = tls_status(tls.ca_cert)
    return server


def _stub_stats(server: ServerProcess, tls: TlsFiles) -> dict[str, int]:
    context = ssl.create_default_context(cafile=str(tls.ca_cert))
    with httpx.Client(verify=context, trust_env=False, timeout=5.0) as client:
        return dict(client.get(server.url("/stats")).json())


def measure(
    ctx: Context, data: Dataset, tls: TlsFiles, mode: str, *, personal: bool = False
) -> Measurement:
    """One fan-out on a fresh copy of the database; raises BenchmarkError if anything went
    astray (a delivery not acknowledged, the stub's counts not matching)."""
    source = Path(data.settings().database_url[len("sqlite://") :])
    copy = ctx.workdir / "fanout-run.db"
    shutil.copyfile(source, copy)
    try:
        with _stub(ctx, tls) as stub:
            argv = python_module_argv(
                "benchmarks.fanout_driver",
                "--config",
                str(data.config_path),
                "--database-url",
                f"sqlite://{copy}",
                "--space",
                data.space_name,
                "--stub-port",
                str(stub.port),
                "--ca",
                str(tls.ca_cert),
                f"--{mode}",
                *(["--personal"] if personal else []),
                "--time-limit",
                str(TIME_LIMIT_S),
            )
            if ctx.server_cpus is not None and TASKSET:
                argv = [TASKSET, "-c", ",".join(map(str, ctx.server_cpus)), *argv]
            try:
                done = subprocess.run(
                    argv, capture_output=True, text=True, timeout=TIME_LIMIT_S + 60
                )
            except subprocess.TimeoutExpired:
                raise BenchmarkError(f"the fan-out driver ({mode}) did not finish") from None
            if done.returncode != 0:
                raise BenchmarkError(f"the fan-out driver ({mode}) failed: {done.stderr[-2000:]}")
            stats = _stub_stats(stub, tls)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    found = Measurement(json.loads(done.stdout.strip().splitlines()[-1]), stats)
    expected = FOLLOWERS if personal else HOSTS
    check_measurement(found, expected, HOSTS)
    return found


def check_measurement(
    found: Measurement, deliveries: int, hosts: int, concurrency: int = CONCURRENCY
) -> None:
    """Raise BenchmarkError unless all `deliveries` were sent, and the stub got each one once,
    signed, over `hosts` distinct hosts, never more than `concurrency` at once."""
    states, stub = found.result["states"], found.stub
    if states != {"sent": deliveries}:
        raise BenchmarkError(f"expected {deliveries} deliveries sent, found {states}")
    wanted = {"deliveries": deliveries, "signed": deliveries, "digest": deliveries, "hosts": hosts}
    if any(stub.get(k) != v for k, v in wanted.items()):
        raise BenchmarkError(f"the stub counted {stub}, expected {wanted}")
    if stub.get("most_in_flight", 0) > concurrency:
        raise BenchmarkError(f"{stub['most_in_flight']} requests at once, limit {concurrency}")


def run(ctx: Context) -> list[Result]:
    """Measure qspace's fan-out and the bare loop `ctx.repeats` times, alternating, and the
    personal-inbox variant once."""
    data, tls = prepare(ctx)
    samples: dict[str, list[Measurement]] = {"qspace": [], "bare": []}
    for repeat in range(ctx.repeats):
        order = ["qspace", "bare"] if repeat % 2 == 0 else ["bare", "qspace"]
        for mode in order:
            found = measure(ctx, data, tls, mode)
            samples[mode].append(found)
            ctx.log(
                f"  fan-out {mode} repeat {repeat + 1}/{ctx.repeats}: {found.total_s:.2f} s "
                f"(publish {found.result['publish_s']:.2f} s)"
            )
    personal = measure(ctx, data, tls, "qspace", personal=True)
    ctx.log(f"  fan-out qspace, personal inboxes: {personal.total_s:.2f} s")
    details = {
        mode: [{"driver": m.result, "stub": m.stub} for m in found]
        for mode, found in samples.items()
    }
    notes = (
        f"{FOLLOWERS:,} followers on {HOSTS} servers; stub on TLS (ECDSA P-256) with 100 ms per "
        "answer; the baseline column is a bare asyncio loop sending the same deliveries "
        f"(same client, same limits: {CONCURRENCY} at once), without the database",
    )
    shared = Result(
        benchmark=f"fan-out to {HOSTS} shared inboxes ({FOLLOWERS:,} followers)",
        contender="qspace",
        metric="seconds until every delivery is acknowledged",
        unit="s",
        qspace=summarize([m.total_s for m in samples["qspace"]]),
        baseline=summarize([m.total_s for m in samples["bare"]]),
        target=TARGET,
        notes=notes,
        details=details,
    )
    personal_result = Result(
        benchmark=f"fan-out to {FOLLOWERS:,} personal inboxes ({HOSTS} servers)",
        contender="qspace (1 run)",
        metric="seconds until every delivery is acknowledged",
        unit="s",
        qspace=summarize([personal.total_s]),
        baseline=None,
        notes=(f"servers without shared inboxes: {FOLLOWERS // HOSTS} deliveries per server",),
        details={"driver": personal.result, "stub": personal.stub},
    )
    return [shared, personal_result]
