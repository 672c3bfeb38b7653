"""What billing stores and answers: movements, balances, tariffs, rates (integer kopecks)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

Kind = Literal["call", "adjustment", "payment", "charge", "refund"]

MAX_KOP = 100_000_000_000  # 1 billion roubles: more than any one movement may be
Kopecks = Annotated[int, msgspec.Meta(ge=-MAX_KOP, le=MAX_KOP, examples=[150000])]
Price = Annotated[int, msgspec.Meta(ge=0, le=MAX_KOP, examples=[99000])]


class Movement(msgspec.Struct, kw_only=True):
    """One row of the ledger: never changed, never removed."""

    id: int
    kind: Kind
    amount_kop: int
    reason: str
    reference: str
    idempotency_key: str
    actor: str
    created_at: dt.datetime


class Posted(msgspec.Struct, kw_only=True):
    """The movement and the balance around it; ``created`` False: the key was posted before
    (the first movement is answered, nothing changed, the balances are today's)."""

    movement: Movement
    created: bool
    before_kop: int
    after_kop: int


class Balance(msgspec.Struct, kw_only=True):
    """The balance, how far below zero paid calls may take it (the credit limit), what paid
    calls in progress hold, and what is left for new ones (balance + limit - held)."""

    tenant_id: uuid.UUID
    balance_kop: int
    tariff: str | None  # the tariff's code
    credit_limit_kop: int = 0
    reserved_kop: int = 0
    available_kop: int = 0


class BillingSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The operator's billing settings."""

    max_call_s: Annotated[int, msgspec.Meta(ge=10, le=86400, examples=[14400])] = 14400  # the longest paid call
    number_monthly_kop: Price = 0  # each of a tenant's numbers, per month
    suspend_after_days: Annotated[int, msgspec.Meta(ge=0, le=365, examples=[14])] = 14  # below the limit; 0: never
    warn_days: Annotated[int, msgspec.Meta(ge=0, le=365, examples=[3])] = 3  # warned daily this many days before
    trial_days: Annotated[int, msgspec.Meta(ge=0, le=365, examples=[14])] = 14  # a new PBX's first charge: after


class PeriodItem(msgspec.Struct, kw_only=True):
    code: str  # tariff, seats, numbers, option:<code>
    name: str
    quantity: int
    amount_kop: int


class Period(msgspec.Struct, kw_only=True):
    """A charged month: [period_start, period_end)."""

    period_start: dt.date
    period_end: dt.date
    total_kop: int
    items: list[PeriodItem] = []


class TariffOption(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A "+" option of a tariff and its monthly price."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_-]{1,40}$", examples=["recording"])]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Запись разговоров"])]
    price_kop: Price


class Tariff(msgspec.Struct, kw_only=True):
    code: str
    name: str
    monthly_fee_kop: int
    seats_included: int
    extra_seat_kop: int
    options: list[TariffOption]
    rate_plan_id: uuid.UUID | None
    legacy: bool = False  # holds an old cabinet's terms for migrated PBXs (legacy.py): never sold


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    """Calls to numbers starting with ``prefix`` (E.164 digits): a connect fee, then the
    billed seconds (the first ``first_s``, then steps of ``next_s``) at the minute price."""

    prefix: str
    name: str = ""
    price_per_min_kop: int
    connect_fee_kop: int = 0
    first_s: int = 60
    next_s: int = 60


class RatePlan(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    version: int
    rates: int  # how many prefixes
