"""Truecaller users of the simulated profile flow and their short-lived access tokens.

A user approving a verification gets an access token bound to their profile; the token may be
used several times until it expires (vendor: about 10 minutes), then the profile endpoint
answers 401 and the user has to start over.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from simulators.truecaller import profile_wire as wire
from simulators.truecaller.context import StateContext
from simulators.truecaller.records import epoch_ms


@dataclass
class Profile:
    """A Truecaller user as the simulator knows them."""

    user_id: str
    id: str
    first_name: str
    phone_numbers: list[str]
    created_at: datetime
    last_name: str | None = None
    email: str | None = None
    city: str | None = None
    country_code: str | None = None
    street: str | None = None
    zipcode: str | None = None
    badges: list[str] = field(default_factory=list)
    company_name: str | None = None
    job_title: str | None = None
    avatar_url: str | None = None
    about_me: str | None = None
    gender: str | None = None
    url: str | None = None
    facebook_id: str | None = None


@dataclass(frozen=True)
class AccessToken:
    value: str
    user_id: str
    expires_at: float


def profile_out(profile: Profile, numbers_as_json_numbers: bool = False) -> wire.ProfileOut:
    """The profile JSON of the sheet, optional attributes left out when empty."""
    created = str(epoch_ms(profile.created_at))
    address = wire.Address(profile.country_code, profile.city, profile.street, profile.zipcode)
    identities = wire.OnlineIdentities(profile.url, profile.email, profile.facebook_id)
    numbers: list[str] | list[int] = (
        [int(n) for n in profile.phone_numbers]
        if numbers_as_json_numbers
        else list(profile.phone_numbers)
    )
    return wire.ProfileOut(
        phoneNumbers=numbers,
        name=wire.Name(profile.first_name, profile.last_name),
        id=profile.id,
        userId=profile.user_id,
        type="Personal",
        isActive="True",
        createdTime=created,
        history=wire.History(wire.NameHistory(created)),
        addresses=[address] if address != wire.Address() else None,
        avatarUrl=profile.avatar_url,
        aboutMe=profile.about_me,
        jobTitle=profile.job_title,
        companyName=profile.company_name,
        gender=profile.gender,
        onlineIdentities=identities if identities != wire.OnlineIdentities() else None,
        badges=list(profile.badges) or None,
    )


class ProfileBook:
    """Simulated Truecaller users and the access tokens issued for them."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._profiles: dict[str, Profile] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._next_user = 1_319_413_476

    def add(self, spec: wire.ProfileIn) -> Profile:
        """A new user; numbers are kept digits-only (a leading ``+`` is dropped)."""
        with self._ctx.lock:
            user_id = str(self._next_user)
            self._next_user += 1
            profile = Profile(
                user_id=user_id,
                id=str(int(user_id) // 2),
                first_name=spec.first_name,
                phone_numbers=[n.removeprefix("+") for n in spec.phone_numbers],
                created_at=self._ctx.now(),
                last_name=spec.last_name,
                email=spec.email,
                city=spec.city,
                country_code=spec.country.lower() if spec.country else None,
                street=spec.street,
                zipcode=spec.zipcode,
                badges=list(spec.badges),
                company_name=spec.company,
                job_title=spec.job_title,
                avatar_url=spec.avatar_url,
                about_me=spec.about_me,
                gender=spec.gender,
                url=spec.url,
                facebook_id=spec.facebook_id,
            )
            self._profiles[user_id] = profile
            return profile

    def get(self, user_id: str) -> Profile:
        with self._ctx.lock:
            try:
                return self._profiles[user_id]
            except KeyError:
                raise LookupError(f"no Truecaller user {user_id}") from None

    def profiles(self) -> list[Profile]:
        with self._ctx.lock:
            return list(self._profiles.values())

    def issue(self, user_id: str) -> AccessToken:
        """A fresh access token for a user who approved a verification."""
        with self._ctx.lock:
            self.get(user_id)
            token = AccessToken(
                secrets.token_urlsafe(48),
                user_id,
                self._ctx.clock() + self._ctx.config.profile_token_ttl_seconds,
            )
            self._tokens[token.value] = token
            return token

    def resolve(self, value: str | None) -> Profile | None:
        """The profile a live access token opens, ``None`` when unknown or expired."""
        with self._ctx.lock:
            token = self._tokens.get(value or "")
            if token is None or token.expires_at <= self._ctx.clock():
                return None
            return self._profiles.get(token.user_id)

    def expire_all(self) -> int:
        """Expire every access token now."""
        with self._ctx.lock:
            now = self._ctx.clock()
            live = [t for t in self._tokens.values() if t.expires_at > now]
            for token in live:
                self._tokens[token.value] = AccessToken(token.value, token.user_id, now)
            return len(live)
