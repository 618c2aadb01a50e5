"""A serving gateway configured by ``OTEL_*`` exports its spans over OTLP/HTTP to a real
receiver: named after their routes, with the service's name, and no phone number in them (not
from the query, nor from a path whose id holds one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.otlp_receiver import otlp_receiver
from tests.processes import GATEWAY, clean_env, free_port, stop, wait_until_up


def test_a_serving_gateway_exports_its_server_spans_over_otlp(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.err"
    with otlp_receiver() as receiver:
        env = clean_env(
            GATEWAY_DATA_DIR=str(tmp_path / "data"),
            GATEWAY_SANDBOX="true",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=receiver.endpoint,
            OTEL_SERVICE_NAME="gateway-under-test",
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        with log.open("w") as err:
            process = subprocess.Popen(
                [*GATEWAY, "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        try:
            wait_until_up(f"http://127.0.0.1:{port}")
            answer = httpx.get(
                f"http://127.0.0.1:{port}/v1/numbers/+8613800000000",
                params={"number": "+8613800000000"},
                timeout=10,
            )
            assert answer.status_code == 401
            spans = receiver.wait_for(1)
        finally:
            stop({process: log})

    (span,) = [s for s in spans if s.name == "GET /v1/numbers/{number_id}"]
    assert span.kind == 2  # SERVER
    assert span.attributes["http.status_code"] == 401
    assert span.attributes["http.route"] == "/v1/numbers/{number_id}"
    assert span.resource["service.name"] == "gateway-under-test"
    assert not any("8613800000000" in str(value) for value in span.attributes.values())
    assert [s.name for s in spans] == ["GET /v1/numbers/{number_id}"], "probes get no span"
