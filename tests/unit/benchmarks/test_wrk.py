"""The benchmark reads wrk's figures from the line its ``done`` script prints."""

from __future__ import annotations

import pytest

from benchmarks.wrk import command, parse

OUTPUT = """Running 1s test @ http://127.0.0.1:18765/
  1 threads and 2 connections
  Latency Distribution
     50%    0.93ms
  1356 requests in 1.02s, 688.77KB read
  Non-2xx or 3xx responses: 6
Requests/sec:   1327.34
BENCH requests=1356 duration_us=1021594 socket_errors=2 status_errors=6 p50_us=930 p99_us=8266
"""


def test_the_report_line_gives_rate_percentiles_and_errors() -> None:
    load = parse(OUTPUT)

    assert load.requests == 1356
    assert load.per_second == pytest.approx(1327.34, abs=0.01)
    assert (load.p50_ms, load.p99_ms) == (0.93, 8.266)
    assert load.errors == 8


def test_output_without_the_report_line_is_refused() -> None:
    with pytest.raises(ValueError, match="no BENCH line"):
        parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_the_command_is_pinned_and_carries_headers() -> None:
    line = command("http://h/x", 32, 10, ["Authorization: Bearer k"], pin=["taskset", "-c", "0"])

    assert line[:4] == ["taskset", "-c", "0", "wrk"]
    assert "-c32" in line and "-d10s" in line
    assert line[line.index("-H") + 1] == "Authorization: Bearer k"
    assert line[-1] == "http://h/x"
