"""The helpers of the ActivityPub, inbox, fan-out and feed benchmarks, on canned input (no load
is generated here, no server is started)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from benchmarks.baseline_app import wants_activity_json
from benchmarks.bench_activitypub import is_activity_json
from benchmarks.bench_fanout import Measurement, check_measurement, follower_rows
from benchmarks.bench_space_page import cleared_cookie
from benchmarks.fanout_driver import fake_dns, in_zone
from benchmarks.feed_data import generate_posts
from benchmarks.harness import BenchmarkError, header_dict, percentile, summarize
from benchmarks.inbox_load import (
    parse_script_counts,
    remote_actor,
    signed_deliveries,
    write_records,
)
from benchmarks.pg import drop_database, scratch_name
from benchmarks.report import Result, Target, format_ratio
from benchmarks.tls_certs import make_tls_files
from benchmarks.wrk import wrk_argv
from federation.signatures import PublicKeyInfo, verify_request
from tests.app import fediverse


def test_percentile_takes_the_nearest_rank() -> None:
    """Ensures p50 and p99 of 1..100 are 50 and 99, and a single sample is every percentile."""
    samples = [float(n) for n in range(100, 0, -1)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 0.0)


def test_header_lines_become_a_dict_and_junk_is_refused() -> None:
    """Ensures "Name: value" lines are split at the first colon and other text is an error."""
    found = header_dict(["Accept: application/activity+json", "Cookie: a=b:c"])
    assert found == {"Accept": "application/activity+json", "Cookie": "a=b:c"}
    with pytest.raises(ValueError):
        header_dict(["no colon here"])


def test_wrk_command_carries_headers_script_and_its_arguments() -> None:
    """Ensures headers become -H options, the script -s, and script arguments follow `--`."""
    argv = wrk_argv(
        "http://127.0.0.1:9/inbox",
        duration_s=5,
        connections=16,
        headers=["Accept: x"],
        script=Path("/tmp/s.lua"),
        script_args=["/tmp/requests"],
    )
    assert argv[argv.index("-H") + 1] == "Accept: x"
    assert argv[argv.index("-s") + 1] == "/tmp/s.lua"
    assert argv[-3:] == ["http://127.0.0.1:9/inbox", "--", "/tmp/requests"]
    assert "--" not in wrk_argv("http://127.0.0.1:9/", duration_s=1, connections=1)
    with pytest.raises(BenchmarkError):
        wrk_argv("http://127.0.0.1:9/", duration_s=0, connections=1)


def test_inbox_script_counts_are_read_from_wrk_output() -> None:
    """Ensures the script's per-thread line is read, and output without it is an error."""
    output = "Requests/sec: 10.0\ninbox-script: handed 120 of 6000, wrapped 0\n"
    [count] = parse_script_counts(output)
    assert (count.handed, count.total, count.wrapped) == (120, 6000, 0)
    with pytest.raises(ValueError):
        parse_script_counts("Requests/sec: 10.0\n")


def _parse_raw(raw: bytes) -> tuple[list[tuple[str, str]], bytes]:
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /inbox HTTP/1.1"
    return [(n, v) for n, v in (line.split(": ", 1) for line in lines[1:])], body


def test_presigned_deliveries_verify_and_never_repeat_an_id() -> None:
    """Ensures each pre-signed request is valid HTTP, verifies as its actor's, and is new."""
    actors = [remote_actor(n, *fediverse.test_keypair(n)) for n in range(2)]
    keys = {a.key_id: PublicKeyInfo(a.key_id, a.ap_id, a.public_pem) for a in actors}

    async def get_key(key_id: str, refresh: bool) -> PublicKeyInfo | None:
        return keys.get(key_id)

    seen: set[str] = set()
    for n, raw in enumerate(signed_deliveries("https://bench.test/inbox", actors, 4)):
        headers, body = _parse_raw(raw)
        assert dict(headers)["Content-Length"] == str(len(body))
        verified = asyncio.run(
            verify_request("POST", "https://bench.test/inbox", headers, body, get_key)
        )
        assert verified.owner == actors[n % 2].ap_id
        seen.add(httpx.Response(200, content=body).json()["id"])
    assert len(seen) == 4


def test_request_records_are_length_prefixed(tmp_path) -> None:
    """Ensures the file the wrk script reads holds `<length>\\n<bytes>` records, in order."""
    path = tmp_path / "requests"
    assert write_records(path, iter([b"GET / HTTP/1.1\r\n\r\n", b"x\ny"])) == 2
    data = path.read_bytes()
    assert data == b"18\nGET / HTTP/1.1\r\n\r\n3\nx\ny"


def test_times_are_judged_as_factors_of_the_baseline() -> None:
    """Ensures a ratio_at_most target passes at 1.4x and fails at 1.6x, shown as a factor."""
    target = Target("ratio_at_most", 1.5)

    def result(value: float, unit: str = "ms") -> Result:
        return Result("feed", "1M", "p99", unit, summarize([value]), summarize([10.0]), target)

    assert result(14.0).met is True
    assert result(16.0).met is False
    assert format_ratio(result(12.0)) == "1.20x"
    assert format_ratio(result(12.0, unit="req/s")) == "120%"
    assert target.describe("ms") == "<= 1.5x baseline"


def test_generated_posts_move_back_in_time_with_microseconds() -> None:
    """Ensures each post is older than the one before and than `end`, never on a whole
    second, and that the same numbers give the same posts."""
    authors = [(1, "https://s.feed.test/users/a"), (2, "https://s.feed.test/users/b")]
    end = datetime(2026, 6, 1, tzinfo=UTC)
    posts = list(generate_posts(authors, 100, 500, end=end))
    times = [p[17] for p in posts]
    assert all(isinstance(t, datetime) and t.tzinfo is UTC for t in times)
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    assert times[0] < end
    assert all(t.microsecond != 0 for t in times)
    assert posts == list(generate_posts(authors, 100, 500, end=end))
    newer = list(generate_posts(authors, 0, 100, end=end))
    assert min(p[17] for p in newer) > times[0]  # a later call adds older posts
    assert {p[-1] for p in posts} == {1, 2}
    assert len({p[0] for p in posts}) == 500  # unique ap_ids


def test_followers_are_spread_evenly_over_hosts_in_a_fixed_order() -> None:
    """Ensures every host gets as many followers and one shared inbox, in a seeded order."""
    rows = follower_rows(100, 10)
    hosts = {row.domain for row in rows}
    assert len(hosts) == 10
    assert all(sum(r.domain == h for r in rows) == 10 for h in hosts)
    assert len({r.shared_inbox for r in rows}) == 10
    assert rows == follower_rows(100, 10)
    assert [r.domain for r in rows[:10]] != sorted(r.domain for r in rows[:10])


def _measurement(sent: int, stub: dict[str, int]) -> Measurement:
    return Measurement({"states": {"sent": sent}, "total_s": 1.0}, stub)


def test_fanout_run_must_reach_every_host_once() -> None:
    """Ensures a run counts only when every delivery was sent and seen once, signed, by host,
    within the concurrency limit."""
    good = {"deliveries": 5, "signed": 5, "digest": 5, "hosts": 5, "most_in_flight": 3}
    check_measurement(_measurement(5, good), 5, 5)
    with pytest.raises(BenchmarkError):
        check_measurement(_measurement(4, good), 5, 5)
    with pytest.raises(BenchmarkError):
        check_measurement(_measurement(5, {**good, "signed": 4}), 5, 5)
    with pytest.raises(BenchmarkError):
        check_measurement(_measurement(5, {**good, "hosts": 4}), 5, 5)
    with pytest.raises(BenchmarkError):
        check_measurement(_measurement(5, {**good, "most_in_flight": 4}), 5, 5, concurrency=3)


def test_fanout_reaches_only_the_fake_zone() -> None:
    """Ensures the benchmark's DNS answers loopback for the fake zone and nothing else."""
    assert in_zone("h0001.fanout.test") and in_zone("fanout.test")
    assert not in_zone("fanout.test.example.org") and not in_zone("xfanout.test")
    assert asyncio.run(fake_dns("h0042.fanout.test", 443)) == ["127.0.0.1"]
    with pytest.raises(OSError):
        asyncio.run(fake_dns("example.org", 443))


def test_stub_certificate_covers_the_zone_and_is_issued_by_the_ca(tmp_path) -> None:
    """Ensures the stub's certificate names *.zone and 127.0.0.1 and chains to the CA."""
    files = make_tls_files(tmp_path, "fanout.test")
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "*.fanout.test" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert files.server_key.stat().st_mode & 0o077 == 0


def test_scratch_databases_only() -> None:
    """Ensures the PostgreSQL helpers make scratch names and refuse to drop anything else."""
    name = scratch_name("Inbox run 3!")
    assert name.startswith("qspace_bench_inbox_run_3_")
    for other in ("postgres", "test", 'qspace_bench_x"; DROP DATABASE test; --'):
        with pytest.raises(BenchmarkError):
            drop_database(other)


def test_first_responses_are_checked_for_what_each_benchmark_needs() -> None:
    """Ensures the AP benchmark wants AP JSON and the uncached page a cleared cookie."""
    ap = httpx.Response(200, headers={"content-type": "application/activity+json"})
    html = httpx.Response(200, headers={"content-type": "text/html"})
    assert is_activity_json(ap) is None and is_activity_json(html) is not None
    cleared = httpx.Response(200, headers={"set-cookie": "__Host-qspace_session=; Max-Age=0"})
    assert cleared_cookie(cleared) is None and cleared_cookie(html) is not None
    assert wants_activity_json("application/activity+json")
    assert not wants_activity_json("text/html,*/*")
