"""Per-tenant credential vault: write-only secrets under versioned envelope encryption."""

from policies.vault.backend import (
    UNSET,
    BudgetLimit,
    ExpectedFingerprint,
    StoredCredential,
    VaultBackend,
)
from policies.vault.envelope import SealedSecret, rewrap, seal, unseal
from policies.vault.errors import (
    CredentialDecryptError,
    KeyringSpecError,
    StaleCredentialError,
    VaultError,
    VaultKeyError,
)
from policies.vault.keyring import Keyring, MasterKey, generate_key_spec
from policies.vault.last_known_backend import LastKnownVaultBackend
from policies.vault.sealed_columns import ResealCount, by_tenant, reseal_column
from policies.vault.sql_backend import SqlVaultBackend
from policies.vault.vault import (
    CredentialMetadata,
    OpenedCredential,
    RotationReport,
    Secret,
    Vault,
)

__all__ = [
    "UNSET",
    "BudgetLimit",
    "CredentialDecryptError",
    "CredentialMetadata",
    "ExpectedFingerprint",
    "Keyring",
    "KeyringSpecError",
    "LastKnownVaultBackend",
    "MasterKey",
    "OpenedCredential",
    "ResealCount",
    "RotationReport",
    "SealedSecret",
    "Secret",
    "SqlVaultBackend",
    "StaleCredentialError",
    "StoredCredential",
    "Vault",
    "VaultBackend",
    "VaultError",
    "VaultKeyError",
    "by_tenant",
    "generate_key_spec",
    "reseal_column",
    "rewrap",
    "seal",
    "unseal",
]
