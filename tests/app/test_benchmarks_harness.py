"""The benchmark harness's arithmetic and parsers, on canned input (no load is generated here)."""

from __future__ import annotations

from datetime import datetime

import pytest
from babel.dates import format_datetime

from benchmarks.baseline_app import short_datetime
from benchmarks.harness import (
    BenchmarkError,
    parse_proc_status_kib,
    ratio,
    require_loopback,
    summarize,
)
from benchmarks.report import Result, Target, format_table
from benchmarks.wrk import parse_time_ms, parse_wrk_output

WRK_OK = """\
Running 2s test @ http://127.0.0.1:8765/@bench
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    32.16ms    2.08ms  54.37ms   97.07%
    Req/Sec   496.60     46.28   535.00     95.00%
  Latency Distribution
     50%   31.80ms
     75%   32.16ms
     90%   32.87ms
     99%   45.10ms
  990 requests in 2.00s, 1.85MB read
Requests/sec:    494.57
Transfer/sec:      0.92MB
"""

WRK_ERRORS = """\
Running 5s test @ http://127.0.0.1:8765/healthz
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   850.00us  120.50us    1.02s    99.00%
    Req/Sec     9.17k   300.12     9.50k    80.00%
  Latency Distribution
     50%  800.00us
     75%  900.00us
     90%    1.00ms
     99%    2.50ms
  45850 requests in 5.00s, 7.50MB read
  Socket errors: connect 0, read 12, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   9170.00
Transfer/sec:      1.50MB
"""


def test_wrk_parser_reads_rate_latency_and_totals() -> None:
    """Ensures a clean wrk report yields its rate, latencies, totals and no errors."""
    run = parse_wrk_output(WRK_OK)
    assert run.requests_per_s == pytest.approx(494.57)
    assert run.requests == 990
    assert run.duration_s == pytest.approx(2.0)
    assert run.latency_avg_ms == pytest.approx(32.16)
    assert run.latency_max_ms == pytest.approx(54.37)
    assert run.percentiles_ms == pytest.approx({50: 31.80, 75: 32.16, 90: 32.87, 99: 45.10})
    assert run.bytes_read == round(1.85 * 1024 * 1024)
    assert run.error_count == 0


def test_wrk_parser_reads_socket_errors_and_non_2xx_responses() -> None:
    """Ensures socket errors and non-2xx/3xx counts are read, and microseconds converted."""
    run = parse_wrk_output(WRK_ERRORS)
    assert run.socket_errors == {"connect": 0, "read": 12, "write": 1, "timeout": 3}
    assert run.non_2xx_3xx == 7
    assert run.error_count == 23
    assert run.latency_avg_ms == pytest.approx(0.85)
    assert run.latency_max_ms == pytest.approx(1020.0)
    assert run.percentiles_ms[50] == pytest.approx(0.8)


def test_wrk_time_units_convert_to_milliseconds() -> None:
    """Ensures every wrk time unit converts to milliseconds and unknown units are refused."""
    assert parse_time_ms("250us") == pytest.approx(0.25)
    assert parse_time_ms("3.5ms") == pytest.approx(3.5)
    assert parse_time_ms("1.5s") == pytest.approx(1500.0)
    assert parse_time_ms("1.00m") == pytest.approx(60_000.0)
    with pytest.raises(ValueError):
        parse_time_ms("3 parsecs")


def test_wrk_parser_rejects_output_without_a_report() -> None:
    """Ensures output without a Requests/sec line (a failed run) is an error, not zeros."""
    with pytest.raises(ValueError):
        parse_wrk_output("unable to connect to 127.0.0.1:9:Connection refused\n")


def test_summary_takes_the_median_and_range_of_odd_repeats() -> None:
    """Ensures the median, minimum and maximum of three repeats are reported."""
    summary = summarize([520.0, 480.0, 505.0])
    assert (summary.median, summary.minimum, summary.maximum) == (505.0, 480.0, 520.0)
    assert summary.samples == (520.0, 480.0, 505.0)


def test_summary_median_of_even_repeats_is_the_middle_mean() -> None:
    """Ensures an even number of repeats gives the mean of the two middle values."""
    assert summarize([4.0, 1.0, 3.0, 2.0]).median == pytest.approx(2.5)


def test_summary_refuses_no_samples() -> None:
    """Ensures an empty measurement cannot pass for a result."""
    with pytest.raises(ValueError):
        summarize([])


def test_ratio_divides_by_the_baseline_and_refuses_zero() -> None:
    """Ensures qspace/baseline is a plain quotient and a zero baseline is an error."""
    assert ratio(250.0, 1000.0) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        ratio(1.0, 0.0)


def _result(qspace: list[float], baseline: list[float], target: Target) -> Result:
    return Result(
        "space page",
        "qspace",
        "requests/s",
        "req/s",
        summarize(qspace),
        summarize(baseline),
        target,
    )


def test_ratio_target_is_judged_on_the_medians() -> None:
    """Ensures a >= 50% target compares the medians and is MISSED in the table below it."""
    missed = _result([300.0, 350.0, 340.0], [1000.0, 900.0, 1100.0], Target("ratio_at_least", 0.5))
    assert missed.ratio == pytest.approx(0.34)
    assert missed.met is False
    met = _result([500.0, 520.0, 480.0], [1000.0, 990.0, 1010.0], Target("ratio_at_least", 0.5))
    assert met.met is True
    table = format_table([missed])
    assert "34%" in table
    assert "MISSED" in table
    assert "340 req/s (300–350)" in table


def test_absolute_and_later_targets() -> None:
    """Ensures an at-most target uses qspace's median and a later target is not judged."""
    memory = _result([70.0, 69.0, 71.0], [34.0, 34.0, 35.0], Target("at_most", 80))
    assert memory.met is True
    assert _result([81.0, 82.0, 80.5], [34.0, 34.0, 35.0], Target("at_most", 80)).met is False
    later = _result([10.0, 10.0, 10.0], [100.0, 100.0, 100.0], Target("ratio_at_least", 0.6, False))
    assert later.met is None
    assert "(later)" in format_table([later])


def test_proc_status_parser_reads_kib_fields() -> None:
    """Ensures VmRSS and VmHWM are read from /proc/<pid>/status text."""
    text = "Name:\tpython\nVmHWM:\t   70124 kB\nVmRSS:\t   69876 kB\nThreads:\t2\n"
    assert parse_proc_status_kib(text, "VmRSS") == 69876
    assert parse_proc_status_kib(text, "VmHWM") == 70124
    with pytest.raises(ValueError):
        parse_proc_status_kib(text, "VmSwap")


@pytest.mark.parametrize(
    "url",
    ["http://example.org/", "http://10.0.0.1:8000/", "https://127.0.0.1/", "http://localhost/"],
)
def test_load_is_refused_for_anything_but_loopback(url: str) -> None:
    """Ensures the harness never sends traffic anywhere but http://127.0.0.1."""
    with pytest.raises(BenchmarkError):
        require_loopback(url)
    require_loopback("http://127.0.0.1:8000/@bench")


@pytest.mark.parametrize("when", [datetime(2026, 1, 5, 9, 3), datetime(2026, 11, 25, 0, 43)])
def test_baseline_dates_match_qspace_short_format(when: datetime) -> None:
    """Ensures the baseline prints dates as Babel's English short format, as qspace's page does."""
    assert short_datetime(when) == format_datetime(when, format="short", locale="en")
