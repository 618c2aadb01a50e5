"""Putting a vendor answer on the wire: the value, and the headers its facts call for.

An answer made wholly of cached vendor answers is the same bytes for as long as those cached
answers are: :class:`AnswerBodies` keeps its encoded body, so a repeated cache hit is neither
decoded, stripped of vendor objects, merged nor encoded again. Headers stay per request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar, cast

import msgspec
from cachetools import LRUCache
from litestar import Response
from litestar.enums import MediaType
from litestar.serialization import encode_json

from contract.schema import VendorIssue
from contract.vendor_data import Include
from gateway.dispatch import Gathered
from gateway.metrics import GatewayMetrics
from gateway.outcome import Facts
from gateway.routes.include import with_includes

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)
K = TypeVar("K", bound=Hashable)

ANSWER_BODIES_MAX_BYTES = 16 * 1024 * 1024
"""Most bytes of bodies, and of the cached answers they were made from, one process keeps."""
_LARGEST_SHARE = 8
"""A body (with its sources) larger than this share of the bound is encoded every time."""

Render = Callable[[list[T], list[VendorIssue], K], S]
"""Makes a route's answer from every vendor's answers, the failures and the request's
``variant``: a plain function of those alone, so equal inputs make equal bytes."""


def data_list(items: list[T], errors: list[VendorIssue], list_type: type[S]) -> S:
    """The usual render: every vendor's items in ``data`` and the failures in ``errors``, as
    ``list_type`` (the variant, so each route's bodies are its own)."""
    return list_type(data=items, errors=errors)


def answer(value: T, facts: Facts, status_code: int = 200) -> Response[T]:
    """``value`` with ``X-Cache``/``Age`` and ``RateLimit-*`` headers from ``facts``."""
    return Response(value, status_code=status_code, headers=facts.headers())


class AnswerBodies:
    """Encoded bodies of answers made wholly of cached vendor answers, by what made them.

    Such a body is a function of the tenant, the route's ``render``, the request's ``variant``
    (what shapes the body besides the cached answers: the list type, a filter the body
    repeats), whether vendor objects were asked for, and the cached answers' own bytes (the key
    holds them, so a body is found only while its sources are unchanged; a re-loaded answer is
    new bytes, and an equal one finds the same body). ``render`` may not close over anything
    else, which is checked. Bounded by bytes, least recently used first out.
    """

    def __init__(self, metrics: GatewayMetrics, max_bytes: int = ANSWER_BODIES_MAX_BYTES) -> None:
        self._bodies: LRUCache[Hashable, _Body] = LRUCache(max_bytes, getsizeof=_Body.weight)
        self._largest = max_bytes // _LARGEST_SHARE
        self._reused = metrics.answer_bodies.labels("reused")
        self._encoded = metrics.answer_bodies.labels("encoded")

    def answer(
        self,
        tenant_id: str,
        gathered: Gathered[T],
        render: Render[T, K, S],
        variant: K,
        include: Sequence[Include] | None,
    ) -> Response[S]:
        """``render``'s answer with the headers ``gathered.facts`` call for, its body reused
        when the same cached answers made it before."""
        if getattr(render, "__closure__", None) is not None:
            raise TypeError(f"{render.__qualname__} closes over state; pass it as the variant")
        sources = gathered.sources
        if sources is None:
            value = render(gathered.values, gathered.errors, variant)
            return answer(with_includes(value, include), gathered.facts)
        vendor_data = bool(include and Include.VENDOR_DATA in include)
        key = (tenant_id, render, variant, vendor_data, sources)
        kept = self._bodies.get(key)
        if kept is not None:
            self._reused.inc()
            return _encoded(kept.body, gathered.facts)
        value = with_includes(render(gathered.values, gathered.errors, variant), include)
        body = _Body(encode_json(value), sum(map(len, sources)))
        self._encoded.inc()
        if body.weight() <= self._largest:
            self._bodies[key] = body
        return _encoded(body.body, gathered.facts)


class _Body:
    """An encoded body, and the size of the cached answers its key holds."""

    __slots__ = ("body", "sources_size")

    def __init__(self, body: bytes, sources_size: int) -> None:
        self.body = body
        self.sources_size = sources_size

    def weight(self) -> int:
        """What keeping it costs, in bytes (its sources may outlive their cache entries)."""
        return len(self.body) + self.sources_size


def _encoded(body: bytes, facts: Facts) -> Response[S]:
    return cast(Response[S], Response(body, media_type=MediaType.JSON, headers=facts.headers()))
