"""Records the simulated Truecaller holds, and the data a new client account is seeded with.

Times are kept twice where they matter: a wall-clock ``datetime`` for what the vendor shows
(ISO-8601 strings, epoch seconds or milliseconds) and a monotonic deadline for what the simulator
decides (expiry, processing delays), so tests may shrink delays without touching the clock.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

SCOPES = frozenset({"number_management", "call_personalisation", "call_me_back", "user_feedback"})
"""Per-feature access levels of an API key (the sheet's assumed scope names)."""
NUMBER_MANAGEMENT = "number_management"
CALL_PERSONALISATION = "call_personalisation"
CALL_ME_BACK = "call_me_back"
USER_FEEDBACK = "user_feedback"

MAX_API_KEYS = 5
"""API keys one client account may hold at a time."""
MAX_WEBHOOKS = 5
"""Webhook configurations one client account may hold at a time."""
DEFAULT_EMAIL = "enterprise.portal@truecaller.com"

PHONE_NUMBER = re.compile(r"[1-9][0-9]{9,14}")
"""Country code and national number, digits only, 10 to 15 digits (the sheet's assumed rule)."""


def new_id() -> str:
    """A fresh UUID string, the vendor's identifier format."""
    return str(uuid.uuid4())


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with fractional seconds and ``Z``, as the vendor prints ``created_at``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch_seconds(moment: datetime) -> str:
    """Epoch seconds as a string, as the webhook payloads carry them."""
    return str(int(moment.timestamp()))


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds as an integer."""
    return int(moment.timestamp() * 1000)


def mask(number: str) -> str:
    """A number with every digit replaced by ``*`` (batch status shows numbers this way)."""
    return re.sub(r"[0-9]", "*", number)


@dataclass
class ApiKey:
    """A key pair from the console's "Manage API Keys" page."""

    key_id: str
    api_key: str
    account_id: str
    name: str
    scopes: frozenset[str]
    owner_email: str
    created_at: datetime


@dataclass
class Token:
    """A bearer token made by ``POST /clients/{id}/token``."""

    value: str
    account_id: str
    key_id: str
    created_at: datetime
    expires_at: float


@dataclass
class FeatureSet:
    """A feature set: the grouping numbers are listed into, with its caller-ID configuration."""

    id: str
    account_id: str
    name: str
    department_name: str
    calling_operation_name: str
    process_name: str
    sub_process_name: str
    label_id: str | None
    created_at: datetime
    call_me_back: bool = True
    survey: bool = False
    status: str = "draft"
    description: str = ""
    department_id: str = field(default_factory=new_id)
    operation_id: str = field(default_factory=new_id)
    calling_operation_id: str = field(default_factory=new_id)
    process_id: str = field(default_factory=new_id)
    sub_process_id: str = field(default_factory=new_id)
    call_reason_id: str = field(default_factory=new_id)
    updated_at: datetime | None = None


@dataclass
class Label:
    """A caller-ID label; only ``dynamic`` ones may be used for call personalisation."""

    id: str
    account_id: str
    name: str
    label_type: str
    category: int
    sub_category: int
    created_by_email: str
    created_at: datetime

    @property
    def logo_url(self) -> str:
        return f"https://business-priority-media-noneu.truecaller.com/sim/logos/{self.id}.png"


@dataclass
class PendingOperation:
    """A list or delist request for one number, applied at ``due_at`` (monotonic)."""

    kind: str
    due_at: float
    fails: bool


@dataclass
class NumberEntry:
    """A number a client account holds in one of its feature sets."""

    phone_number: str
    account_id: str
    feature_set_id: str
    phone_type: str
    status: str
    created_by_email: str
    created_at: datetime
    updated_at: datetime
    operation: PendingOperation | None = None


@dataclass(frozen=True)
class Survey:
    """A user-feedback campaign (the ``surveyId`` of the feedback download)."""

    id: str
    account_id: str
    name: str
    questions: tuple[str, ...]


@dataclass
class Account:
    """A client account with what the console would have configured for it."""

    id: str
    name: str
    email: str
    keys: dict[str, ApiKey] = field(default_factory=dict)
    feature_sets: dict[str, FeatureSet] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)


_FEATURE_SETS = (
    ("Collections priority", "Collections", "Recovery", "Reminders"),
    ("Fresh Flower Delivery", "Delivery", "Last mile", "Doorstep"),
    ("KYC Verification", "Onboarding", "KYC", "Video KYC"),
    ("Customer care", "Support", "Inbound", "Escalations"),
)
_LABELS = (
    ("FlowerEra", 10, 142),
    ("Centro Bank KYC Department", 4, 31),
    ("Delivery Updates", 10, 140),
    ("Collections Desk", 4, 30),
)


def seed_labels(account: Account, count: int, now: datetime) -> list[Label]:
    """``count`` dynamic labels plus one static label, all owned by ``account``."""
    specs = [(_LABELS[i % len(_LABELS)], "dynamic") for i in range(count)]
    specs.append((("Verified business", 1, 1), "static"))
    labels = []
    for (name, category, sub_category), label_type in specs:
        label = Label(
            new_id(), account.id, name, label_type, category, sub_category, account.email, now
        )
        account.labels[label.id] = label
        labels.append(label)
    return labels


def seed_feature_sets(account: Account, count: int, now: datetime) -> list[FeatureSet]:
    """``count`` draft feature sets, each showing one of the account's labels."""
    label_ids: list[str | None] = [label.id for label in account.labels.values()] or [None]
    created = []
    for i in range(len(account.feature_sets), len(account.feature_sets) + count):
        name, department, operation, process = _FEATURE_SETS[i % len(_FEATURE_SETS)]
        if i >= len(_FEATURE_SETS):
            name = f"{name} {i // len(_FEATURE_SETS) + 1}"
        feature_set = FeatureSet(
            id=new_id(),
            account_id=account.id,
            name=name,
            department_name=department,
            calling_operation_name=operation,
            process_name=process,
            sub_process_name="",
            label_id=label_ids[i % len(label_ids)],
            created_at=now,
            updated_at=now,
        )
        account.feature_sets[feature_set.id] = feature_set
        created.append(feature_set)
    return created


def seed_survey(account: Account) -> Survey:
    """A two-question feedback campaign like the sheet's example."""
    survey = Survey(
        new_id(),
        account.id,
        "Flower Quality Check",
        ("How was the delivery experience?", "Flower Quality?"),
    )
    account.surveys[survey.id] = survey
    return survey
