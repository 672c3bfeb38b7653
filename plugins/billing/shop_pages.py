"""Billing's shop pages in the cabinet (admins): buying a number from the operator's catalogue
(seed 001 "Купить многоканальный номер") and changing the tariff ("Сменить тариф"). The rules
are the services' (``numbers_shop``, ``tariff_change``); this module shows them in roubles."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    CabinetPages,
    NavEntry,
    form_fields,
    kernel_of,
    language,
    page,
    problem_text,
    redirect,
    require,
    tenant_transaction,
)
from vats.bots.web.cabinet.texts import Lang
from vats.core.errors import ConflictError, LimitError, VatsError
from vats.plugins.billing import ledger, legacy_pages, numbers_shop, tariff_change
from vats.plugins.billing.cabinet import money
from vats.plugins.billing.numbers_shop import CATEGORIES
from vats.plugins.billing.payments.service import FINANCES_PAGE

NUMBERS_PAGE = f"{FINANCES_PAGE}/numbers"
TARIFF_PAGE = f"{FINANCES_PAGE}/tariff"


def _number_row(n: numbers_shop.CatalogueNumber, lang: Lang) -> dict[str, Any]:
    price = money(n.price_kop, lang) if n.price_kop else TEXTS[lang]["shop_free"]
    return {"e164": n.e164, "shown": _spaced(n.e164), "city": n.city, "category": n.category, "price": price,
            "monthly": money(n.monthly_kop, lang)}  # fmt: skip


def _spaced(e164: str) -> str:
    """+74957770707 → +7 495 777-07-07 (Russian numbers; others as they are)."""
    if e164.startswith("+7") and len(e164) == 12:
        d = e164[2:]
        return f"+7\u00a0{d[:3]}\u00a0{d[3:6]}-{d[6:8]}-{d[8:]}"
    return e164


class NumbersShopPage(Controller):
    path = NUMBERS_PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._show(request)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        query = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        query.update(context.pop("filters", {}))  # a refused purchase keeps the list it was made from
        city = query.get("city", "").strip() or None
        category = query.get("category", "").strip() or None
        if category not in (None, *CATEGORIES):
            category = None
        async with tenant_transaction(kernel_of(request), me) as tx:
            offered = await numbers_shop.on_sale(tx.conn, city=city, category=category)
            known = await numbers_shop.cities(tx.conn)
            account = await ledger.account(tx.conn, tx.tenant.id)
            bought = query.get("bought", "")
            if bought and not await tx.conn.fetchval(
                "SELECT true FROM numbers WHERE tenant_id = $1 AND e164 = $2", tx.tenant.id, bought
            ):
                bought = ""  # only a number the PBX has is announced as bought
        context.setdefault("errors", {})
        context.setdefault("notice", TEXTS[lang]["shop_bought"].format(number=_spaced(bought)) if bought else "")
        return await page(
            request, "billing/numbers.html", status, numbers=[_number_row(n, lang) for n in offered],
            cities=known, city=city or "", category=category or "", categories=CATEGORIES,
            balance=money(account.balance_kop, lang), key=str(uuid.uuid4()), **context,
        )  # fmt: skip

    @post("/buy")
    async def buy(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        number = form.get("number", "")
        key = form.get("key", "").strip() or str(uuid.uuid4())
        filters = {"city": form.get("city", ""), "category": form.get("category", "")}
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                bought = await numbers_shop.buy(
                    tx.conn, tx.kernel, tx.tenant.id, number, idempotency_key=f"cabinet:{key}"[:150], actor=me.email
                )
        except LimitError:
            errors = {"number": TEXTS[lang]["shop_not_enough"]}
            return await self._show(request, 409, errors=errors, filters=filters)
        except ConflictError:
            return await self._show(request, 409, errors={"number": TEXTS[lang]["shop_sold"]}, filters=filters)
        except VatsError as exc:
            errors = {"number": problem_text(lang, exc.message)}
            return await self._show(request, 422, errors=errors, filters=filters)
        return redirect(f"{NUMBERS_PAGE}?bought={quote(bought.number.e164)}")


class TariffPage(Controller):
    """ "Сменить тариф": the comparison table with the "+" options, and the upgrade."""

    path = TARIFF_PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._show(request)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        lang = language(request)
        async with tenant_transaction(kernel_of(request), me) as tx:
            offers = await tariff_change.offers(tx.conn, tx.tenant.id)
            account = await ledger.account(tx.conn, tx.tenant.id)
            legacy = await legacy_pages.context(tx.conn, tx.tenant.id, lang)  # a migrated PBX's old terms
        option_names: dict[str, str] = {}
        for t, _ in offers:
            option_names.update({o.code: o.name for o in t.options})
        columns = []
        for t, q in offers:
            prices = {o.code: o.price_kop for o in t.options}
            columns.append({
                "code": t.code, "name": t.name, "fee": money(t.monthly_fee_kop, lang), "seats": t.seats_included,
                "extra_seat": money(t.extra_seat_kop, lang), "current": t.code == account.tariff,
                "options": {code: ("+" if prices[code] == 0 else f"+ {money(prices[code], lang)}") if code in prices
                            else "—" for code in option_names},
                "monthly_then": money(q.monthly_then_kop, lang), "charge_now": money(q.charge_now_kop, lang),
                "charged_now": q.charge_now_kop > 0, "days_left": q.days_left,
                "period_end": q.period_end.strftime("%d.%m.%Y") if q.period_end else "", "refusal": q.refusal,
            })  # fmt: skip
        changed = request.query_params.get("changed", "")
        charged = request.query_params.get("charged", "0")
        named = {c["code"]: c["name"] for c in columns}
        amount = charged.lstrip("-")  # ASCII digits only: "²" is a digit to isdigit() and not to int()
        if changed in named and changed == account.tariff and amount.isascii() and amount.isdigit():
            done = TEXTS[lang]["tariff_changed"].format(name=named[changed], amount=money(int(charged), lang))
            context.setdefault("notice", done)
        context.setdefault("errors", {})
        context.setdefault("notice", "")
        return await page(
            request, "billing/tariff.html", status, columns=columns, option_names=option_names,
            balance=money(account.balance_kop, lang), legacy=legacy, **context,
        )  # fmt: skip

    @post("/")
    async def change(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        lang = language(request)
        code = form.get("tariff", "")
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                done = await tariff_change.change(tx.conn, tx.kernel, tx.tenant.id, code, actor=me.email)
        except LimitError:
            return await self._show(request, 409, errors={"tariff": TEXTS[lang]["tariff_not_enough"]})
        except VatsError as exc:
            text = TEXTS[lang].get(_TARIFF_REFUSALS.get(exc.message, ""), "") or problem_text(lang, exc.message)
            return await self._show(request, 422, errors={"tariff": text})
        return redirect(f"{TARIFF_PAGE}?changed={quote(done.tariff)}&charged={done.charged_kop}")


_TARIFF_REFUSALS = {
    "the PBX is on this tariff already": "tariff_same",
    "a cheaper tariff is the operator's to give: ask the operator": "tariff_downgrade",
    "no such tariff": "tariff_unknown",
}


TEXTS_RU = {
    "shop_title": "Купить номер",
    "shop_link": "Купить номер",
    "shop_intro": (
        "Выберите город и категорию номера. Стоимость спишется с баланса сразу,"
        " абонентская плата — каждый месяц вместе с тарифом."
    ),
    "shop_balance": "На балансе: {balance}",
    "shop_city": "Город",
    "shop_any_city": "Любой город",
    "shop_category": "Категория",
    "shop_any_category": "Любая категория",
    "shop_category_ordinary": "Обычный",
    "shop_category_bronze": "Бронзовый",
    "shop_category_silver": "Серебряный",
    "shop_category_gold": "Золотой",
    "shop_filter": "Показать",
    "shop_number": "Номер",
    "shop_price": "Стоимость",
    "shop_monthly": "В месяц",
    "shop_buy": "Купить",
    "shop_free": "бесплатно",
    "shop_buy_label": "Купить номер {number}",
    "shop_none": "Подходящих номеров сейчас нет. Выберите другой город или категорию.",
    "shop_bought": "Номер {number} куплен и подключён к сценарию по умолчанию.",
    "shop_not_enough": "Недостаточно средств на балансе: пополните баланс и попробуйте снова.",
    "shop_sold": "Этот номер только что купили. Выберите другой.",
    "shop_numbers_caption": "Номера в продаже",
    "tariff_title": "Сменить тариф",
    "tariff_link": "Сменить тариф",
    "tariff_intro": (
        "Новый тариф действует сразу. За оставшиеся дни оплаченного месяца спишется разница"
        " в абонентской плате; следующий месяц — по новому тарифу."
    ),
    "tariff_compare": "Сравнение тарифов",
    "tariff_feature": "Что входит",
    "tariff_fee": "Абонентская плата в месяц",
    "tariff_seats": "Рабочих мест включено",
    "tariff_extra_seat": "Каждое следующее место в месяц",
    "tariff_current": "ваш тариф",
    "tariff_monthly_then": "Для вашей АТС в месяц: {amount}",
    "tariff_charge_now": "Сегодня спишем {amount} за {days} дн. до {end}.",
    "tariff_nothing_now": "Сегодня ничего не спишем: первый месяц по новому тарифу ещё не начался.",
    "tariff_move": "Перейти на «{name}»",
    "tariff_downgrade": "Перейти на более дешёвый тариф можно через оператора.",
    "tariff_same": "Ваша АТС уже на этом тарифе.",
    "tariff_unknown": "Такого тарифа нет.",
    "tariff_not_enough": "Недостаточно средств на балансе, чтобы оплатить переход сегодня: пополните баланс.",
    "tariff_balance_short": "Не хватает средств на балансе для перехода.",
    "tariff_changed": "Тариф изменён на «{name}». Списано: {amount}.",
    "op_action_billing_tariff_created": "создан тариф",
    "op_action_billing_tariff_changed": "изменён тариф",
    "op_action_billing_rate_plan_created": "создан тарифный план звонков",
    "op_action_billing_rates_imported": "загружены цены звонков",
    "op_action_billing_tariff_assigned": "АТС переведена на тариф",
    "op_action_billing_adjustment": "ручная корректировка баланса",
    "op_action_billing_credit_limit_set": "изменён кредитный лимит",
    "op_action_billing_settings_changed": "изменены настройки биллинга",
    "op_action_billing_billing_day_set": "изменён расчётный день",
    "op_action_billing_options_set": "изменены опции тарифа",
    "op_action_billing_requisites_changed": "изменены реквизиты",
    "op_action_billing_catalogue_number_put": "номер выставлен на продажу",
    "op_action_billing_catalogue_number_removed": "номер снят с продажи",
}
TEXTS_EN = {
    "shop_title": "Buy a number",
    "shop_link": "Buy a number",
    "shop_intro": (
        "Pick a city and a category. The price is taken from the balance at once,"
        " the monthly fee every month with the tariff."
    ),
    "shop_balance": "Balance: {balance}",
    "shop_city": "City",
    "shop_any_city": "Any city",
    "shop_category": "Category",
    "shop_any_category": "Any category",
    "shop_category_ordinary": "Ordinary",
    "shop_category_bronze": "Bronze",
    "shop_category_silver": "Silver",
    "shop_category_gold": "Gold",
    "shop_filter": "Show",
    "shop_number": "Number",
    "shop_price": "Price",
    "shop_monthly": "Per month",
    "shop_buy": "Buy",
    "shop_free": "free",
    "shop_buy_label": "Buy the number {number}",
    "shop_none": "No numbers match now. Pick another city or category.",
    "shop_bought": "The number {number} is bought and connected to the default scenario.",
    "shop_not_enough": "Not enough money on the balance: top it up and try again.",
    "shop_sold": "This number has just been bought. Pick another.",
    "shop_numbers_caption": "Numbers on sale",
    "tariff_title": "Change the tariff",
    "tariff_link": "Change the tariff",
    "tariff_intro": (
        "The new tariff applies at once. The difference in the monthly fee for the days left"
        " of the paid month is charged now; the next month is at the new tariff."
    ),
    "tariff_compare": "Tariffs compared",
    "tariff_feature": "What is included",
    "tariff_fee": "Monthly fee",
    "tariff_seats": "Seats included",
    "tariff_extra_seat": "Each further seat per month",
    "tariff_current": "your tariff",
    "tariff_monthly_then": "For your PBX per month: {amount}",
    "tariff_charge_now": "We charge {amount} today for {days} days until {end}.",
    "tariff_nothing_now": "Nothing is charged today: the first month at the new tariff has not begun.",
    "tariff_move": "Move to “{name}”",
    "tariff_downgrade": "A cheaper tariff is given by the operator: ask them.",
    "tariff_same": "Your PBX is on this tariff already.",
    "tariff_unknown": "There is no such tariff.",
    "tariff_not_enough": "Not enough money on the balance to pay for the change today: top it up.",
    "tariff_balance_short": "The balance is short of what the change costs.",
    "tariff_changed": "The tariff is now “{name}”. Charged: {amount}.",
    "op_action_billing_tariff_created": "tariff created",
    "op_action_billing_tariff_changed": "tariff changed",
    "op_action_billing_rate_plan_created": "call rate plan created",
    "op_action_billing_rates_imported": "call prices imported",
    "op_action_billing_tariff_assigned": "PBX put on a tariff",
    "op_action_billing_adjustment": "manual balance adjustment",
    "op_action_billing_credit_limit_set": "credit limit changed",
    "op_action_billing_settings_changed": "billing settings changed",
    "op_action_billing_billing_day_set": "billing day changed",
    "op_action_billing_options_set": "tariff options changed",
    "op_action_billing_requisites_changed": "requisites changed",
    "op_action_billing_catalogue_number_put": "number put on sale",
    "op_action_billing_catalogue_number_removed": "number taken off sale",
}
TEXTS: dict[str, dict[str, str]] = {"ru": TEXTS_RU, "en": TEXTS_EN}


def shop_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[NumbersShopPage, TariffPage],
        nav=[
            NavEntry(
                href=NUMBERS_PAGE,
                label_ru="Купить номер",
                label_en="Buy a number",
                roles=ADMIN,
                section="settings",
                order=155,
            ),
            NavEntry(
                href=TARIFF_PAGE,
                label_ru="Сменить тариф",
                label_en="Change the tariff",
                roles=ADMIN,
                section="settings",
                order=156,
            ),
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
