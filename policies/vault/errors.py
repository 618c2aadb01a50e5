"""Errors raised by the credential vault.

Messages name tenants, vendors and key versions, never key or secret material.
"""


class VaultError(Exception):
    """Base class of every vault error."""


class KeyringSpecError(VaultError, ValueError):
    """The master-key specification (``GATEWAY_VAULT_KEYS``) is malformed."""


class VaultKeyError(VaultError, LookupError):
    """A master key version is not in the keyring."""


class CredentialDecryptError(VaultError):
    """A sealed credential failed to decrypt: tampered, moved, or its master key is missing."""


class StaleCredentialError(VaultError):
    """A conditional credential write lost: the stored credential is not the one expected."""
