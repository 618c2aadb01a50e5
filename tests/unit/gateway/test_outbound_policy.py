"""Where webhooks may go: the URL check a subscription passes at creation, without the network."""

from __future__ import annotations

import pytest

from gateway.events.outbound import OutboundPolicy, SafeWebhookSender, UnsafeDestination
from gateway.settings import PolicySettings

EVERYWHERE = ("0.0.0.0/0", "::/0")


def sender(*, allow_http: bool = False, networks: tuple[str, ...] = ()) -> SafeWebhookSender:
    return SafeWebhookSender(OutboundPolicy(allow_http=allow_http, allowed_networks=networks))


def refusal_of(url: str, networks: tuple[str, ...] = ()) -> str:
    with pytest.raises(UnsafeDestination) as refused:
        sender(networks=networks).check(url)
    return str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/events",
        "https://hooks.example.com:8443/events?tenant=a",
        "https://93.184.216.34/events",
        "https://[2606:4700:4700::1111]/events",
        "https://[::ffff:93.184.216.34]/events",
        "https://xn--bcher-kva.example/events",
        "https://bücher.example/events",
    ],
)
def test_public_https_urls_pass(url: str) -> None:
    sender().check(url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.com/events", "https://"),
        ("ftp://hooks.example.com/events", "https://"),
        ("file:///etc/passwd", "https://"),
        ("/events", "https://"),
        ("hooks.example.com/events", "https://"),
        ("", "https://"),
        ("https:///events", "no host"),
        ("https://user:pa55@hooks.example.com/events", "user name or password"),
        ("https://hooks.example.com/ev ents", "space or a control character"),
        ("https://hooks.example.com/events\n", "space or a control character"),
        ("https://hooks.example.com/events\t", "space or a control character"),
        ("https://hooks.example.com/events\x7f", "space or a control character"),
        ("https://hooks.example.com/events\x00", "space or a control character"),
        ("https://hooks.example.com/?" + "a" * 2100, "longer than 2048"),
        ("https://hooks.example.com:99999/events", "port"),
        ("https://hooks.example.com:0/events", "port"),
        ("https://[::1/events", "not valid"),
    ],
)
def test_malformed_urls_are_refused_in_words(url: str, words: str) -> None:
    assert words in refusal_of(url)


def test_a_refusal_never_repeats_a_password() -> None:
    assert "pa55" not in refusal_of("https://user:pa55@hooks.example.com/events")


def test_http_passes_only_when_the_operator_allows_it() -> None:
    sender(allow_http=True).check("http://hooks.example.com/events")
    assert "https://" in refusal_of("http://hooks.example.com/events")


NEEDS_ALLOW_LIST = {
    "loopback": ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "LOCALHOST.", "api.localhost"],
    "private": ["10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.20", "[fd12:3456::1]"],
    "shared (carrier-grade NAT)": ["100.64.0.1", "100.127.255.254"],
    "not a public": ["192.0.2.10", "198.18.0.1"],
}
"""Refused unless inside an allowed network, by the words the refusal uses."""


@pytest.mark.parametrize(
    ("kind", "host"),
    [(kind, host) for kind, hosts in NEEDS_ALLOW_LIST.items() for host in hosts],
)
def test_internal_addresses_are_refused_without_the_allow_list(kind: str, host: str) -> None:
    message = refusal_of(f"https://{host}/events")
    assert kind in message
    assert "operator allows" in message


@pytest.mark.parametrize(
    "host",
    [host for hosts in NEEDS_ALLOW_LIST.values() for host in hosts],
)
def test_internal_addresses_pass_inside_an_allowed_network(host: str) -> None:
    sender(networks=EVERYWHERE).check(f"https://{host}/events")


def test_an_allowed_network_opens_only_itself() -> None:
    allowed = sender(networks=("10.1.0.0/16", "127.0.0.1/32", "::1/128"))
    allowed.check("https://10.1.2.3/events")
    allowed.check("https://127.0.0.1/events")
    allowed.check("https://localhost/events")
    with pytest.raises(UnsafeDestination, match="private"):
        allowed.check("https://10.2.0.1/events")
    with pytest.raises(UnsafeDestination, match="loopback"):
        allowed.check("https://127.0.0.2/events")


NEVER = {
    "link-local": ["169.254.1.1", "[fe80::1]", "[fe80::1%25eth0]"],
    "cloud metadata": [
        "169.254.169.254",
        "169.254.170.2",
        "[fd00:ec2::254]",
        "[fd20:ce::254]",
        "100.100.100.200",
        "168.63.129.16",
        "192.0.0.192",
        "metadata.google.internal",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::a9fe:a9fe]",
        "2852039166",
        "0xa9.0xfe.0xa9.0xfe",
    ],
    "unspecified": [
        "0.0.0.0",  # noqa: S104 (a destination refused, not a bind)
        "0.1.2.3",
        "[::]",
        "0",
    ],
    "multicast": ["224.0.0.1", "239.255.255.250", "[ff02::1]"],
    "broadcast": ["255.255.255.255"],
    "reserved": ["240.0.0.1", "[::127.0.0.1]"],
}
"""Refused whatever the operator lists."""


@pytest.mark.parametrize(
    ("kind", "host"),
    [(kind, host) for kind, hosts in NEVER.items() for host in hosts],
)
def test_some_addresses_are_refused_even_when_listed(kind: str, host: str) -> None:
    message = refusal_of(f"https://{host}/events", networks=EVERYWHERE)
    assert kind in message
    assert "never delivered to" in message


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # decimal
        "0x7f000001",  # hex
        "0x7f.1",  # hex, two parts
        "127.1",  # short form
        "0x7f.0.0.1",
        "127.0.0.1.",  # trailing dot
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[::ffff:7f00:1]",
        "[64:ff9b::7f00:1]",  # NAT64
        "[2002:7f00:1::]",  # 6to4
    ],
)
def test_odd_spellings_of_loopback_are_loopback(host: str) -> None:
    assert "loopback" in refusal_of(f"https://{host}/events")
    sender(networks=("127.0.0.0/8",)).check(f"https://{host}/events")


def test_names_are_resolved_at_send_time_not_at_creation() -> None:
    sender().check("https://internal.corp.example/events")


def test_from_settings_carries_the_operators_choices() -> None:
    configured = SafeWebhookSender.from_settings(
        PolicySettings(webhook_allow_http=True, webhook_allowed_networks=("10.0.0.0/8",))
    )
    configured.check("http://10.1.2.3/events")
    with pytest.raises(UnsafeDestination, match="private"):
        configured.check("http://192.168.1.1/events")


def test_an_allowed_network_that_is_not_cidr_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        sender(networks=("10.0.0.0/33",))
