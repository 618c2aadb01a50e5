"""Every registered vendor keeps its promises: what it declares, implements and claims agree.

Parametrized over the registry (and the test-only fifth vendor), so a new vendor is checked the
day it is added: each vendor call of each capability it has is a declared operation with a
policy, each declared operation is a call it makes, budgets exist, signatures match the
protocols, and its settings, secrets and simulator are well formed.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable

import httpx
import pytest

from adapters.capabilities import CAPABILITIES, VendorAdapter
from adapters.declaration import Op, VendorDeclaration
from adapters.registry import VENDORS, VendorEntry
from tests.fifth_vendor.echocall.adapter import EchoCallAdapter

ENTRIES = (*VENDORS, VendorEntry(EchoCallAdapter.declaration, EchoCallAdapter))


def build(entry: VendorEntry) -> VendorAdapter:
    return entry.factory(httpx.AsyncClient(base_url=entry.declaration.default_base_url))


def vendor_calls(capability: type) -> dict[str, Callable[..., object]]:
    """The protocol's ``async`` methods: the calls that reach the vendor."""
    return {
        name: member
        for name, member in vars(capability).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


def capabilities_of(adapter: VendorAdapter) -> list[type]:
    return [capability for capability in CAPABILITIES if isinstance(adapter, capability)]


@pytest.fixture(params=ENTRIES, ids=lambda entry: entry.name)
def entry(request: pytest.FixtureRequest) -> VendorEntry:
    return request.param


def test_the_registry_names_each_vendor_once() -> None:
    names = [entry.name for entry in VENDORS]

    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,31}", name) for name in names)


def test_the_adapter_carries_its_entrys_declaration(entry: VendorEntry) -> None:
    adapter = build(entry)

    assert adapter.declaration is entry.declaration
    assert capabilities_of(adapter), "an adapter that can do nothing serves nothing"


def test_every_vendor_call_of_its_capabilities_is_a_declared_operation(
    entry: VendorEntry,
) -> None:
    adapter = build(entry)
    declared = set(entry.declaration.operations)

    for capability in capabilities_of(adapter):
        for name in vendor_calls(capability):
            assert name in {op.value for op in Op}, f"{capability.__name__}.{name} has no Op"
            assert Op(name) in declared, f"{entry.name} does not declare {name}"


def test_every_declared_operation_is_a_call_the_adapter_makes(entry: VendorEntry) -> None:
    adapter = build(entry)
    served = {name for capability in capabilities_of(adapter) for name in vendor_calls(capability)}

    for op in entry.declaration.operations:
        assert op.value in served, f"{entry.name} declares {op.value} but has no such call"
        assert inspect.iscoroutinefunction(getattr(adapter, op.value))


def test_adapter_methods_take_the_protocols_parameters(entry: VendorEntry) -> None:
    adapter = build(entry)

    for capability in capabilities_of(adapter):
        for name, member in vars(capability).items():
            if name.startswith("_") or not callable(member):
                continue
            expected = list(inspect.signature(member).parameters)[1:]
            actual = list(inspect.signature(getattr(adapter, name)).parameters)
            assert actual == expected, f"{entry.name}.{name}{actual} != {capability.__name__}"


def test_every_budget_an_operation_spends_is_declared(entry: VendorEntry) -> None:
    declaration: VendorDeclaration = entry.declaration

    for op, spec in declaration.operations.items():
        assert spec.budget is None or spec.budget in declaration.budgets, (op, spec.budget)
        assert spec.cache_ttl_seconds is None or spec.cache_ttl_seconds > 0
    for budget in declaration.budgets.values():
        assert budget.limit > 0 and budget.period_seconds > 0
        assert budget.scope in ("credential", "account")


def test_vendor_facts_are_well_formed(entry: VendorEntry) -> None:
    declaration = entry.declaration

    assert re.fullmatch(r"https?://[^\s/]+(/\S*)?", declaration.default_base_url)
    assert not declaration.default_base_url.endswith("/")
    assert declaration.settings_prefix == f"GATEWAY_{declaration.name.upper()}_"
    for pattern in declaration.secret_patterns:
        assert not re.compile(pattern).match(""), "a secret pattern must not match nothing"
    for origin in declaration.trusted_origins:
        assert re.fullmatch(r"https://(\*\.)?[a-z0-9.-]+", origin)


def test_it_has_a_simulator_with_the_sandbox_functions(entry: VendorEntry) -> None:
    assert entry.declaration.simulator, f"{entry.name} has no simulator for the sandbox"
    module = importlib.import_module(entry.declaration.simulator)

    assert callable(module.start_sandbox)
    assert callable(module.run_standalone)
    assert callable(module.start_for_tests), "the test fixtures start it through this"
    assert callable(module.new_account), "the test fixtures open accounts through this"
