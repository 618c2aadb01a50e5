"""Client accounts of the Truecaller simulator and what the console configures for them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulators.truecaller.context import StateContext
from simulators.truecaller.records import (
    DEFAULT_EMAIL,
    MAX_API_KEYS,
    SCOPES,
    Account,
    ApiKey,
    FeatureSet,
    Label,
    Survey,
    new_id,
    seed_feature_sets,
    seed_labels,
    seed_survey,
)


@dataclass(frozen=True)
class CreatedAccount:
    """What :meth:`Directory.create_account` hands back; the secret key is shown only here."""

    account: Account
    key: ApiKey
    feature_sets: list[FeatureSet]
    labels: list[Label]
    survey: Survey


class Directory:
    """Client accounts and what the console configures: keys, feature sets, labels, surveys."""

    def __init__(self, ctx: StateContext) -> None:
        self._ctx = ctx
        self._accounts: dict[str, Account] = {}

    def create_account(
        self,
        name: str = "demo",
        email: str = DEFAULT_EMAIL,
        scopes: Iterable[str] = SCOPES,
        feature_sets: int = 2,
        labels: int = 2,
    ) -> CreatedAccount:
        """A new client account with one API key, dynamic labels, feature sets and a survey."""
        if feature_sets < 0 or labels < 0:
            raise ValueError("feature_sets and labels must not be negative")
        with self._ctx.lock:
            now = self._ctx.now()
            account = Account(new_id(), name, email)
            self._accounts[account.id] = account
            made_labels = seed_labels(account, labels, now)
            made_sets = seed_feature_sets(account, feature_sets, now)
            survey = seed_survey(account)
            key = self._new_key(account, "Console key", scopes)
            return CreatedAccount(account, key, made_sets, made_labels, survey)

    def account(self, account_id: str) -> Account:
        """The account, or ``LookupError``."""
        with self._ctx.lock:
            try:
                return self._accounts[account_id]
            except KeyError:
                raise LookupError(f"no client account {account_id}") from None

    def find_account(self, account_id: str) -> Account | None:
        with self._ctx.lock:
            return self._accounts.get(account_id)

    def accounts(self) -> list[Account]:
        with self._ctx.lock:
            return list(self._accounts.values())

    def _new_key(self, account: Account, name: str, scopes: Iterable[str]) -> ApiKey:
        wanted = frozenset(scopes)
        if wanted - SCOPES:
            raise ValueError(f"unknown scopes: {sorted(wanted - SCOPES)}")
        if len(account.keys) >= MAX_API_KEYS:
            raise ValueError(f"an account holds at most {MAX_API_KEYS} API keys")
        key = ApiKey(new_id(), new_id(), account.id, name, wanted, account.email, self._ctx.now())
        account.keys[key.key_id] = key
        return key

    def create_key(self, account_id: str, name: str, scopes: Iterable[str]) -> ApiKey:
        """Another key pair of the account (at most five at a time)."""
        with self._ctx.lock:
            return self._new_key(self.account(account_id), name, scopes)

    def delete_key(self, account_id: str, key_id: str) -> None:
        """Delete a key pair; tokens made with it stop working."""
        with self._ctx.lock:
            if self.account(account_id).keys.pop(key_id, None) is None:
                raise LookupError(f"no key {key_id} in account {account_id}")

    def find_key(self, account_id: str, key_id: str) -> ApiKey | None:
        with self._ctx.lock:
            account = self._accounts.get(account_id)
            return account.keys.get(key_id) if account else None

    def feature_set(self, account_id: str, feature_set_id: str) -> FeatureSet | None:
        with self._ctx.lock:
            account = self._accounts.get(account_id)
            return account.feature_sets.get(feature_set_id) if account else None

    def feature_sets(self, account_id: str) -> list[FeatureSet]:
        with self._ctx.lock:
            return list(self.account(account_id).feature_sets.values())

    def add_feature_set(self, account_id: str, **fields: object) -> FeatureSet:
        """A feature set configured in the console; ``fields`` override the generated ones."""
        with self._ctx.lock:
            account = self.account(account_id)
            (feature_set,) = seed_feature_sets(account, 1, self._ctx.now())
            for name, value in fields.items():
                if value is not None:
                    setattr(feature_set, name, value)
            if feature_set.label_id is not None and feature_set.label_id not in account.labels:
                del account.feature_sets[feature_set.id]
                raise ValueError(f"no label {feature_set.label_id} in account {account_id}")
            return feature_set

    def labels(self, account_id: str, label_type: str | None = None) -> list[Label]:
        with self._ctx.lock:
            found = self.account(account_id).labels.values()
            return [label for label in found if label_type in (None, label.label_type)]

    def add_label(
        self, account_id: str, name: str, label_type: str, category: int, sub_category: int
    ) -> Label:
        """A caller-ID label created in the console (dynamic names are shorter than 40)."""
        if label_type not in ("dynamic", "static"):
            raise ValueError("label_type must be 'dynamic' or 'static'")
        if not 1 <= len(name) < 40:
            raise ValueError("a label name has 1 to 39 characters")
        with self._ctx.lock:
            account = self.account(account_id)
            label = Label(
                new_id(),
                account.id,
                name,
                label_type,
                category,
                sub_category,
                account.email,
                self._ctx.now(),
            )
            account.labels[label.id] = label
            return label

    def add_survey(self, account_id: str, name: str, questions: Iterable[str]) -> Survey:
        with self._ctx.lock:
            survey = Survey(new_id(), account_id, name, tuple(questions))
            self.account(account_id).surveys[survey.id] = survey
            return survey

    def survey(self, account_id: str, survey_id: str) -> Survey | None:
        with self._ctx.lock:
            account = self._accounts.get(account_id)
            return account.surveys.get(survey_id) if account else None
