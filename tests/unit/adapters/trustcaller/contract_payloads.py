"""TrustCaller payloads copied verbatim from vendor-contracts/trustcaller.md (recorded fixtures)."""

from __future__ import annotations

NUMBERS_PAGE = b"""
{
  "data": [
    {
      "id": 12345,
      "number": "120000486562997",
      "reserved": true,
      "released_at": null,
      "ivr_id": null,
      "created_at": "2026-01-15T10:30:00+00:00"
    }
  ],
  "links": { "first": "...", "last": "...", "prev": null, "next": null },
  "meta": { "current_page": 1, "per_page": 50, "total": 1 }
}
"""

TEST_NUMBERS = b"""
{
  "data": [ { "prefix": "8613", "test_number": "8613912345678" } ],
  "count": 1,
  "cached_for_seconds": 300,
  "filtered_by_prefix": "8613"
}
"""

CALLS_PAGE = b"""
{
  "data": [
    {
      "id": 98765,
      "caller_id": "8823412XXX",
      "number": "120000486562997",
      "start_at": "2026-05-15T14:30:00+00:00",
      "end_at": "2026-05-15T14:32:15+00:00",
      "duration": 135,
      "pdd": 850,
      "call_unique_id": "abc123-xyz789",
      "call_acceptable": true,
      "short_call": false,
      "hang_cause": "NORMAL_CLEARING"
    }
  ],
  "links": { "first": "...", "last": "...", "prev": null, "next": null },
  "meta": { "current_page": 1, "per_page": 100, "total": 1 }
}
"""

CALL_ENVELOPE = b"""
{
  "data": {
    "id": 98765,
    "caller_id": "8823412XXX",
    "number": "120000486562997",
    "start_at": "2026-05-15T14:30:00+00:00",
    "end_at": "2026-05-15T14:32:15+00:00",
    "duration": 135,
    "pdd": 850,
    "call_unique_id": "abc123-xyz789",
    "call_acceptable": true,
    "short_call": false,
    "hang_cause": "NORMAL_CLEARING"
  }
}
"""

LIVE_CHECK_TRUE = b'{ "call_received": true }'
LIVE_CHECK_FALSE = b'{ "call_received": false }'

CREATED_KEY = b"""
{
  "id": 7,
  "name": "Production server",
  "token": "7|aBcD...long-token-shown-once",
  "created_at": "2026-05-16T09:00:00+00:00",
  "message": "Save this token now. It cannot be retrieved later."
}
"""

KEY_LIST = b"""
{
  "data": [
    {
      "id": 7,
      "name": "Production server",
      "last_used_at": "2026-05-16T09:05:00+00:00",
      "created_at": "2026-05-16T09:00:00+00:00"
    }
  ],
  "count": 1
}
"""

KEY_REVOKED = b'{ "message": "API key revoked." }'

UNAUTHENTICATED = b'{ "message": "Unauthenticated." }'
UNAUTHORIZED = b'{ "message": "This action is unauthorized." }'
CALL_NOT_FOUND = b'{ "error": "not_found", "message": "Call record not found." }'
KEY_NOT_FOUND = b'{ "error": "not_found", "message": "API key not found." }'
NUMBER_REQUIRED = b"""
{
  "message": "The number field is required.",
  "errors": { "number": ["The number field is required."] }
}
"""
TOO_MANY_ATTEMPTS = b'{ "message": "Too Many Attempts." }'
SERVER_ERROR = b'{ "message": "Server Error" }'
