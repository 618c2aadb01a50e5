"""Which database errors mean "unreachable" (a 503, the last known answer) rather than a bug."""

from __future__ import annotations

import asyncpg.exceptions
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError

from policies.sql.engine import _is_connectivity


def wrapped(driver_error: Exception) -> DBAPIError:
    """The error SQLAlchemy's asyncpg adapter raises for ``driver_error``."""
    adapted = AsyncAdapt_asyncpg_dbapi.Error(str(driver_error))
    adapted.__cause__ = driver_error
    return DBAPIError(None, None, adapted)


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    ],
    ids=["starting-or-stopping", "admin-shutdown", "connection-gone"],
)
def test_a_server_going_away_is_unreachable(driver_error: Exception) -> None:
    assert _is_connectivity(wrapped(driver_error))


def test_a_refused_statement_is_not() -> None:
    refused = asyncpg.exceptions.UniqueViolationError("duplicate key value")

    assert not _is_connectivity(wrapped(refused))
