"""Wire shapes of the simulated Truecaller profile flow and of its ``/_sim/`` controls.

The profile JSON follows ``vendor-contracts/truecaller-profile.md`` §5: optional attributes are
left out (never null), timestamps are epoch-millisecond strings and ``isActive`` is the string
``"True"``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

# --- vendor shapes -----------------------------------------------------------------------------


class ProfileError(msgspec.Struct):
    """The profile endpoint's error body (the sheet's assumed shape)."""

    code: int
    message: str


class Address(msgspec.Struct, omit_defaults=True):
    countryCode: str | None = None
    city: str | None = None
    street: str | None = None
    zipcode: str | None = None


class NameHistory(msgspec.Struct):
    updateTime: str


class History(msgspec.Struct):
    name: NameHistory


class OnlineIdentities(msgspec.Struct, omit_defaults=True):
    url: str | None = None
    email: str | None = None
    facebookId: str | None = None


class Name(msgspec.Struct, omit_defaults=True):
    first: str
    last: str | None = None


class ProfileOut(msgspec.Struct, omit_defaults=True):
    """``GET {endpoint}``: the user's profile."""

    phoneNumbers: list[str] | list[int]
    name: Name
    id: str
    userId: str
    type: str
    isActive: str
    createdTime: str
    history: History
    addresses: list[Address] | None = None
    avatarUrl: str | None = None
    aboutMe: str | None = None
    jobTitle: str | None = None
    companyName: str | None = None
    gender: str | None = None
    onlineIdentities: OnlineIdentities | None = None
    badges: list[str] | None = None


class ApprovedCallback(msgspec.Struct):
    """The callback after the user tapped "Continue"."""

    requestId: str
    accessToken: str
    endpoint: str


class RejectedCallback(msgspec.Struct):
    """The callback after the user dismissed the dialog (or chose the footer option)."""

    requestId: str
    status: str


# --- control shapes ----------------------------------------------------------------------------

PhoneIn = Annotated[str, msgspec.Meta(pattern=r"^\+?[1-9][0-9]{6,14}$")]


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/profiles`` (and the inline ``profile`` of ``POST /_sim/verifications``)."""

    first_name: Annotated[str, msgspec.Meta(min_length=1)]
    phone_numbers: Annotated[list[PhoneIn], msgspec.Meta(min_length=1)]
    last_name: str | None = None
    email: str | None = None
    city: str | None = None
    country: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$")] | None = None
    street: str | None = None
    zipcode: str | None = None
    badges: list[str] = []
    company: str | None = None
    job_title: str | None = None
    avatar_url: str | None = None
    about_me: str | None = None
    gender: str | None = None
    url: str | None = None
    facebook_id: str | None = None


class ProfileCreated(msgspec.Struct):
    """A simulated Truecaller user and the profile the endpoint will serve for them."""

    user_id: str
    profile: ProfileOut


class ProfilesOut(msgspec.Struct):
    data: list[ProfileCreated]


class VerificationIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/verifications``: play the user answering the dialog of one request."""

    callback_url: str
    request_id: Annotated[str, msgspec.Meta(min_length=8, max_length=64)]
    outcome: Literal["approve", "reject", "use_another_number"] = "approve"
    user_id: str | None = None
    profile: ProfileIn | None = None
    endpoint_base: str | None = None


class VerificationOut(msgspec.Struct, omit_defaults=True):
    """What the simulator is sending, and where to look for the delivery's fate."""

    delivery_id: str
    request_id: str
    outcome: str
    callback_url: str
    payload: ApprovedCallback | RejectedCallback
    user_id: str | None = None
    access_token: str | None = None
    endpoint: str | None = None


class ExpiredOut(msgspec.Struct):
    expired: int
