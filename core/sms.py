"""SMS through a provider a plugin supplies (``sms_provider``): the kernel's contract.

A provider sends one text to one number (E.164) and answers an outbox
:data:`~vats.core.outbox.Outcome` (``Sent`` with the provider's message id, ``Refused`` when
it said "not now" without taking the message, ``Unknown`` when the connection dropped after
the request left, ``Rejected`` when it refused for good), so the outbox can retry without
sending a paid message twice where the provider answered.
"""

from __future__ import annotations

from typing import Protocol

from vats.core.outbox import Outcome


class SmsProvider(Protocol):
    name: str

    async def send(self, to: str, text: str) -> Outcome: ...
