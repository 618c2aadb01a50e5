"""The Truecaller simulator's ``/_sim/`` controls for accounts, numbers, records and counters.

Accounts and what the console would configure (keys, feature sets, labels, surveys), direct
access to numbers, failing numbers and receivers, call records, delays, request counts and reset.
Webhooks and events are in :mod:`simulators.truecaller.control_events`, faults come from
:func:`simulators.edge.control_handlers`, profile controls from
:mod:`simulators.truecaller.profile_flow`.
"""

from __future__ import annotations

import dataclasses

import msgspec
from litestar import delete, get, post, put
from litestar.params import FromPath, JSONBody

from simulators.truecaller import control_wire as ctl
from simulators.truecaller import wire
from simulators.truecaller.api_numbers import feature_set_out, label_out
from simulators.truecaller.http import AnyRequest, sim
from simulators.truecaller.records import SCOPES, Account, FeatureSet, Label, iso
from simulators.truecaller.state import SimulatorState

ACCOUNT = "/accounts/{account_id:str}"


def _brief_set(feature_set: FeatureSet) -> ctl.FeatureSetBrief:
    return ctl.FeatureSetBrief(
        feature_set.id, feature_set.name, feature_set.status, feature_set.label_id
    )


def _brief_label(label: Label) -> ctl.LabelBrief:
    return ctl.LabelBrief(label.id, label.name, label.label_type)


@post("/accounts", status_code=201)
async def sim_create_account(request: AnyRequest, data: JSONBody[ctl.AccountIn]) -> ctl.AccountOut:
    """A client account with a key pair, dynamic labels, draft feature sets and a survey."""
    created = sim(request).directory.create_account(
        data.name,
        data.email,
        SCOPES if data.scopes is None else data.scopes,
        data.feature_sets,
        data.labels,
    )
    return ctl.AccountOut(
        client_account_id=created.account.id,
        key_id=created.key.key_id,
        api_key=created.key.api_key,
        scopes=sorted(created.key.scopes),
        feature_sets=[_brief_set(fs) for fs in created.feature_sets],
        labels=[_brief_label(label) for label in created.labels],
        survey_id=created.survey.id,
    )


def _account_view(state: SimulatorState, account: Account) -> ctl.AccountView:
    return ctl.AccountView(
        client_account_id=account.id,
        name=account.name,
        email=account.email,
        keys=[ctl.KeyBrief(k.key_id, k.name, sorted(k.scopes)) for k in account.keys.values()],
        feature_sets=[_brief_set(fs) for fs in account.feature_sets.values()],
        labels=[_brief_label(label) for label in account.labels.values()],
        surveys=[ctl.SurveyOut(s.id, s.name, list(s.questions)) for s in account.surveys.values()],
        live_tokens=state.tokens.live_tokens(account.id),
        token_creations=state.tokens.creations[account.id],
    )


@get(ACCOUNT)
async def sim_get_account(request: AnyRequest, account_id: FromPath[str]) -> ctl.AccountView:
    """An account as the console would show it, with its token counts."""
    state = sim(request)
    with state.ctx.lock:
        return _account_view(state, state.directory.account(account_id))


@post(ACCOUNT + "/keys", status_code=201)
async def sim_create_key(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.KeyIn]
) -> ctl.KeyOut:
    """Another key pair (at most five per account)."""
    scopes = SCOPES if data.scopes is None else data.scopes
    key = sim(request).directory.create_key(account_id, data.name, scopes)
    return ctl.KeyOut(key.key_id, key.api_key, sorted(key.scopes))


@delete(ACCOUNT + "/keys/{key_id:str}")
async def sim_delete_key(
    request: AnyRequest, account_id: FromPath[str], key_id: FromPath[str]
) -> None:
    """Delete a key pair; its tokens stop working."""
    sim(request).directory.delete_key(account_id, key_id)


@post(ACCOUNT + "/tokens/expire", status_code=200)
async def sim_expire_tokens(request: AnyRequest, account_id: FromPath[str]) -> ctl.CountOut:
    """Expire every bearer token of the account now."""
    sim(request).directory.account(account_id)
    return ctl.CountOut(sim(request).tokens.expire(account_id))


@post(ACCOUNT + "/feature-sets", status_code=201)
async def sim_add_feature_set(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.FeatureSetIn]
) -> wire.FeatureSetOut:
    """A feature set configured in the console."""
    fields = msgspec.structs.asdict(data)
    return feature_set_out(sim(request).directory.add_feature_set(account_id, **fields))


@post(ACCOUNT + "/labels", status_code=201)
async def sim_add_label(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.LabelIn]
) -> wire.LabelOut:
    """A caller-ID label configured in the console."""
    label = sim(request).directory.add_label(
        account_id, data.name, data.label_type, data.category, data.sub_category
    )
    return label_out(label)


@post(ACCOUNT + "/surveys", status_code=201)
async def sim_add_survey(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.SurveyIn]
) -> ctl.SurveyOut:
    """A user-feedback campaign."""
    survey = sim(request).directory.add_survey(account_id, data.name, data.questions)
    return ctl.SurveyOut(survey.id, survey.name, list(survey.questions))


def _numbers_out(state: SimulatorState, account_id: str) -> ctl.NumbersOut:
    return ctl.NumbersOut(
        [
            ctl.NumberView(
                e.phone_number,
                e.feature_set_id,
                e.phone_type,
                e.status,
                e.operation.kind if e.operation else None,
                state.numbers.remaining(e),
            )
            for e in state.numbers.entries(account_id)
        ]
    )


@post(ACCOUNT + "/numbers", status_code=201)
async def sim_add_numbers(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.NumbersIn]
) -> ctl.NumbersOut:
    """Put numbers straight into a feature set, already listed (or failed)."""
    state = sim(request)
    account = state.directory.account(account_id)
    feature_set = state.directory.feature_set(account_id, data.feature_set_id)
    if feature_set is None:
        raise LookupError(f"no feature set {data.feature_set_id} in account {account_id}")
    state.numbers.add(
        account_id, feature_set, data.phone_numbers, account.email, data.status, data.phone_type
    )
    return _numbers_out(state, account_id)


@get(ACCOUNT + "/numbers")
async def sim_list_numbers(request: AnyRequest, account_id: FromPath[str]) -> ctl.NumbersOut:
    """Every number of the account with its pending operation, if any."""
    sim(request).directory.account(account_id)
    return _numbers_out(sim(request), account_id)


@put("/failing-numbers")
async def sim_failing_numbers(request: AnyRequest, data: JSONBody[ctl.FailingIn]) -> ctl.FailingOut:
    """Make list or delist operations queued from now on for these numbers fail (or not)."""
    return ctl.FailingOut(sim(request).numbers.set_failing(data.phone_numbers, data.failing))


@put("/receivers/{number:str}")
async def sim_set_receiver(
    request: AnyRequest, number: FromPath[str], data: JSONBody[ctl.ReceiverIn]
) -> ctl.ReceiversOut:
    """Make personalisation for this receiver fail with a delivery error (``null``: succeed)."""
    calls = sim(request).calls
    calls.set_receiver(number.removeprefix("+"), data.failure)
    return ctl.ReceiversOut(calls.receivers())


@get(ACCOUNT + "/call-records")
async def sim_call_records(request: AnyRequest, account_id: FromPath[str]) -> ctl.CallRecordsOut:
    """Every personalisation record of the account (real-time and batch), numbers in clear."""
    found = sim(request).calls.records(account_id)
    return ctl.CallRecordsOut(
        [
            ctl.CallRecordView(
                r.id,
                r.batch_id,
                r.value("caller_number"),
                r.value("receiver_number"),
                wire.StatusInfo(o.status, o.field, o.message),
                iso(r.created_at),
            )
            for r, o in found
        ]
    )


def _delays_out(state: SimulatorState) -> ctl.DelaysOut:
    delays = state.ctx.delays
    return ctl.DelaysOut(
        delays.number_processing_seconds,
        delays.batch_processing_seconds,
        list(delays.webhook_retry_delays_seconds),
        list(delays.callback_retry_delays_seconds),
    )


@get("/delays")
async def sim_get_delays(request: AnyRequest) -> ctl.DelaysOut:
    """The current processing delays and retry schedules."""
    return _delays_out(sim(request))


@put("/delays")
async def sim_set_delays(request: AnyRequest, data: JSONBody[ctl.DelaysIn]) -> ctl.DelaysOut:
    """Change delays for operations, batches and deliveries started from now on."""
    state = sim(request)
    with state.ctx.lock:
        delays = state.ctx.delays
        for name, value in msgspec.structs.asdict(data).items():
            if value is not None:
                setattr(delays, name, tuple(value) if isinstance(value, list) else value)
    return _delays_out(state)


@get("/requests")
async def sim_requests(request: AnyRequest) -> ctl.RequestsOut:
    """Vendor API requests per route template and key, peaks, and token creations per account."""
    state = sim(request)
    stats = dataclasses.asdict(state.log.stats())
    return ctl.RequestsOut(
        **stats,
        token_creations=dict(state.tokens.creations),
        rate_window_seconds=state.config.realtime_rate_window_seconds,
    )


@delete("/requests")
async def sim_reset_requests(request: AnyRequest) -> None:
    """Zero the request counters and the token-creation counts (limits keep their windows)."""
    sim(request).reset_counters()


@post("/reset", status_code=204)
async def sim_reset(request: AnyRequest) -> None:
    """Back to the initial state; deliveries in flight are cancelled."""
    sim(request).reset()


HANDLERS = [
    sim_create_account,
    sim_get_account,
    sim_create_key,
    sim_delete_key,
    sim_expire_tokens,
    sim_add_feature_set,
    sim_add_label,
    sim_add_survey,
    sim_add_numbers,
    sim_list_numbers,
    sim_failing_numbers,
    sim_set_receiver,
    sim_call_records,
    sim_get_delays,
    sim_set_delays,
    sim_requests,
    sim_reset_requests,
    sim_reset,
]
