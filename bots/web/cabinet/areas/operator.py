"""The operator portal (/operator): tenants, numbers, trunks, audit log (controllers in
bots/web/cabinet/operator/portal.py). Pages of this area are mounted behind the operator's own
cookie session (bots/web/cabinet/operator/router.py), not the tenants'."""

from __future__ import annotations

from vats.bots.web.cabinet.kit import CabinetPages, NavEntry
from vats.bots.web.cabinet.operator.portal import OperatorPortal


def pages() -> CabinetPages:
    return CabinetPages(
        handlers=[OperatorPortal],
        nav=[
            NavEntry(href="/operator/tenants", label_ru="Клиенты", label_en="Tenants", section="operator", order=100),
            NavEntry(href="/operator/numbers", label_ru="Номера", label_en="Numbers", section="operator", order=200),
            NavEntry(href="/operator/trunks", label_ru="SIP-транки", label_en="SIP trunks", section="operator",
                     order=300),
            NavEntry(href="/operator/audit", label_ru="Журнал", label_en="Audit log", section="operator", order=900),
        ],
        area="operator",
    )  # fmt: skip
