"""The system of record: one SQL schema for SQLite (embedded) and PostgreSQL (scaled out).

Everything whose loss hurts a user lives here: tenants, keys, sealed credentials, tracked
operations, idempotency records and the audit log. Redis keeps only what can be rebuilt.
"""

from policies.sql.engine import Database, DatabaseUnavailable, database_url
from policies.sql.migrate import SchemaMismatch, check_schema, upgrade

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "SchemaMismatch",
    "check_schema",
    "database_url",
    "upgrade",
]
