"""/api/billing/autopay: the terms, binding and unbinding the card, the threshold and monthly
rules, the monthly limit, and a one-off charge of the bound card (admins only)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody
from vats.bots.web.kit import ADMIN, KernelDep, MeDep, TenantDep
from vats.core.payments import GatewayError
from vats.plugins.billing.api.payments import GATEWAY_FAILS, IdempotencyKey, unavailable
from vats.plugins.billing.payments import autopay, service
from vats.plugins.billing.payments.autopay import Autopay, AutopayIn
from vats.plugins.billing.payments.service import Payment, TopUpKop


class BindIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    idempotency_key: IdempotencyKey | None = None


class ChargeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A one-off charge of the bound card (kopecks); counts toward the monthly limit."""

    amount_kop: TopUpKop
    idempotency_key: IdempotencyKey | None = None


class AutopayController(Controller):
    path = "/api/billing/autopay"
    tags = ["billing"]
    opt = {"roles": ADMIN}

    @get("/", operation_id="getBillingAutopay", summary="Autopay: terms, bound card, rules, monthly limit")
    async def show(self, tx: TenantDep) -> Autopay:
        return await autopay.settings(tx.conn, tx.tenant.id)

    @put("/", operation_id="saveBillingAutopay", summary="Accept the terms; set the threshold and monthly rules")
    async def save(self, tx: TenantDep, data: JSONBody[AutopayIn]) -> Autopay:
        return await autopay.save(tx.conn, tx.tenant.id, data)

    @post("/card", operation_id="bindBillingCard", summary="Bind a card: pay 1 rouble at the gateway (given back)",
          status_code=201, opt=GATEWAY_FAILS)  # fmt: skip
    async def bind(self, me: MeDep, kernel: KernelDep, data: JSONBody[BindIn]) -> Payment:
        """Answers the binding payment: send the payer to its ``confirmation_url``."""
        try:
            key = data.idempotency_key or str(uuid.uuid4())
            return await service.bind_card(kernel, me.tenant_id, idempotency_key=key)
        except GatewayError as exc:
            raise unavailable(exc) from None

    @delete("/card", operation_id="unbindBillingCard", summary="Unbind the card (autopay stops)", status_code=200)
    async def unbind(self, tx: TenantDep) -> Autopay:
        return await autopay.unbind(tx.conn, tx.tenant.id)

    @post("/charges", operation_id="chargeBillingCard", summary="A one-off payment from the bound card",
          status_code=201)  # fmt: skip
    async def charge(self, me: MeDep, kernel: KernelDep, data: JSONBody[ChargeIn]) -> Payment:
        return await autopay.one_off(
            kernel, me.tenant_id, amount_kop=data.amount_kop, idempotency_key=data.idempotency_key or str(uuid.uuid4())
        )
