"""Master key rotation of everything the vault sealed: ``gateway vault rotate``.

The vault re-wraps the credentials it stores itself; every other sealed value lives in its
owner's table, and its owner re-seals it (a step each, below), so the old master key can be
dropped once the report shows nothing failed. Vendor tokens (``gw:token:*``, in Redis or memory)
are not re-sealed: one that no longer opens is exchanged again on its next use.
"""

from __future__ import annotations

from gateway.events.endpoints import reseal_endpoints
from gateway.events.subscriptions import reseal_secrets
from gateway.verifications import reseal_profiles
from policies.sql import Database
from policies.vault import RotationReport, Vault

STEPS = (reseal_endpoints, reseal_secrets, reseal_profiles)
"""Each owner's re-sealing of the values it keeps, run after the credentials."""


async def rotate_master_key(database: Database, vault: Vault) -> RotationReport:
    """Re-wrap every credential, then re-seal every sealed value, under the active key."""
    report = await vault.rotate_master_key()
    for step in STEPS:
        report.sealed_values.update(await step(database, vault))
    return report
