"""Which payment gateways a kernel has: the ones plugins register (``register_payment_gateways``),
asked once per kernel; billing's own is YooKassa when its shop is configured, else, in demo
mode only, the same YooKassa client against a fake YooKassa started in this process."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

from vats.core.config import Config
from vats.core.errors import ValidationError
from vats.core.payments import PaymentGateway
from vats.core.protocols import KernelAPI
from vats.plugins.billing.payments import fake_yookassa
from vats.plugins.billing.payments.yookassa import YooKassaGateway

NOTIFY_PATH = "/api/billing/payments/notifications"

_by_kernel: weakref.WeakKeyDictionary[Any, list[PaymentGateway]] = weakref.WeakKeyDictionary()


class DemoYooKassa(YooKassaGateway):
    """The real YooKassa client, against a fake YooKassa this process starts on first use (the
    demo has no shop): its payments are test payments, and the cabinet says so."""

    def __init__(self, *, host: str, notify_url: str) -> None:
        super().__init__(fake_yookassa.SHOP_ID, fake_yookassa.SECRET_KEY, "http://fake.invalid/v3", test=True)
        self.host = host
        self.notify_url = notify_url
        self.fake: fake_yookassa.FakeYooKassa | None = None
        self._starting: asyncio.Lock | None = None

    async def _request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, key: str | None = None
    ) -> tuple[int, Any]:
        if self.fake is None:
            self._starting = self._starting or asyncio.Lock()
            async with self._starting:
                if self.fake is None:
                    self.fake = await fake_yookassa.serve_demo(self.host, notify_url=self.notify_url)
                    self.api_url = self.fake.api_url
        return await super()._request(method, path, body=body, key=key)

    async def stop(self) -> None:
        if self.fake is not None:
            await self.fake.stop()
            self.fake = None


def configured(config: Config) -> Sequence[PaymentGateway]:
    """Billing's own gateways for ``config``: the real YooKassa shop, or the demo's fake."""
    if config.yookassa_shop_id and config.yookassa_secret_key:
        return [YooKassaGateway(config.yookassa_shop_id, config.yookassa_secret_key, config.yookassa_api_url)]
    if config.demo:
        return [DemoYooKassa(host=config.host, notify_url=f"{config.base_url}{NOTIFY_PATH}/yookassa")]
    return []


def all_of(kernel: KernelAPI) -> list[PaymentGateway]:
    """The kernel's gateways, real ones first."""
    found = _by_kernel.get(kernel)
    if found is None:
        collected: list[PaymentGateway] = kernel.plugins.collect("register_payment_gateways", config=kernel.config)
        found = sorted(collected, key=lambda g: g.test)  # stable: hook order among equals
        _by_kernel[kernel] = found
    return found


def default(kernel: KernelAPI) -> PaymentGateway:
    gateways = all_of(kernel)
    if not gateways:
        raise ValidationError(
            "payments are not set up on this PBX (the operator sets VATS_YOOKASSA_SHOP_ID and its secret key)",
            field="gateway",
        )
    return gateways[0]


def by_name(kernel: KernelAPI, name: str) -> PaymentGateway | None:
    return next((g for g in all_of(kernel) if g.name == name), None)


async def stop_demo_fakes() -> None:
    """Stop the demo fakes this event loop runs (at the kernel's shutdown)."""
    loop = asyncio.get_running_loop()
    for gateways in list(_by_kernel.values()):
        for gateway in gateways:
            if isinstance(gateway, DemoYooKassa) and gateway.fake is not None and gateway.fake._loop is loop:
                await gateway.stop()
