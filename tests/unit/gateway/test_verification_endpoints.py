"""The SSRF boundary of verifications: which profile endpoints the gateway may fetch."""

from __future__ import annotations

import pytest

from gateway.verifications import endpoint_allowed

DEFAULT = ("https://*.truecaller.com",)
SANDBOX = ("https://*.truecaller.com", "http://127.0.0.1:43123")


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://profile4-noneu.truecaller.com/v1/default",
        "https://profile4.truecaller.com/v1/default",
        "https://profile4.truecaller.com:443/v1/default",
    ],
)
def test_the_vendors_profile_hosts_are_allowed(endpoint: str) -> None:
    assert endpoint_allowed(endpoint, DEFAULT)


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://profile4.truecaller.com/v1/default",
        "https://truecaller.com/v1/default",
        "https://evil-truecaller.com/v1/default",
        "https://truecaller.com.evil.example/v1/default",
        "https://profile4.truecaller.com:8443/v1/default",
        "https://user@profile4.truecaller.com/v1/default",
        "https://profile4.truecaller.com@169.254.169.254/latest",
        "http://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "https://[::1]/v1/default",
        "https://profile4.truecaller.com:99999/",
        "https://profile4.truecaller.com\\@evil.example/v1/default",
        "https://profile4.truecaller.com/v1/default\t",
        "https://profile4.truecaller.com/v1/default\x7f",
        "https://profile4.truecaller.com/v1/default\n",
        "https://profile4.truecaller.com/v1/default?" + "a" * 2100,
        "not a url",
        "",
    ],
)
def test_everything_else_is_refused(endpoint: str) -> None:
    assert not endpoint_allowed(endpoint, DEFAULT)


def test_an_exact_origin_allows_only_its_scheme_host_and_port() -> None:
    assert endpoint_allowed("http://127.0.0.1:43123/profile/v1/default", SANDBOX)
    assert not endpoint_allowed("http://127.0.0.1:43124/profile/v1/default", SANDBOX)
    assert not endpoint_allowed("https://127.0.0.1:43123/profile/v1/default", SANDBOX)
