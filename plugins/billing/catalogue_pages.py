"""The operator portal's number catalogue (/operator/billing/numbers): every number on sale or
sold (city, category, price, monthly fee, to whom), numbers added one by one, as a range or as a
pasted list (each refused row reported with its reason, the good ones added), an unsold number's
prices changed, a free number taken off sale (a sold one is refused, naming it).

The rules are the operator API's services (``numbers_shop.put_entry`` / ``remove_entry``), and
every change is audited as the API audits it (``billing_catalogue_number_put`` /
``billing_catalogue_number_removed``, with the operator's account) in the change's transaction."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import CabinetPages, NavEntry, form_fields, kernel_of, redirect
from vats.bots.web.cabinet.operator.kit import actor, language, page, record
from vats.core.db.database import Connection
from vats.core.directory.validation import normalise_phone
from vats.core.errors import ValidationError, VatsError
from vats.plugins.billing import numbers_shop
from vats.plugins.billing.cabinet import kopecks, money, roubles_input
from vats.plugins.billing.models import MAX_KOP
from vats.plugins.billing.numbers_shop import CATEGORIES, CatalogueNumber

PAGE = "/operator/billing/numbers"
MAX_ADDED = 1000  # numbers one form may add (a range included)
SHOWN = 500  # rows the list shows
_RANGE = re.compile(r"\s*(.+?)\s*(?:\.\.|–|—|\s-\s)\s*(.+?)\s*$")
_ITEMS = re.compile(r"[;,]")
_FIELDS = ("city", "category", "price", "monthly")

_LIST = """
SELECT c.e164, c.city, c.category, c.price_kop, c.monthly_kop, c.sold_to, t.name AS tenant
FROM billing_number_catalogue c LEFT JOIN tenants t ON t.id = c.sold_to
WHERE ($1::text IS NULL OR c.city = $1)
  AND ($2::text IS NULL OR ($2 = 'free') = (c.sold_to IS NULL))
ORDER BY c.city, c.e164 LIMIT $3
"""


_CITIES = "SELECT DISTINCT city FROM billing_number_catalogue ORDER BY 1"
_COUNTS = "SELECT count(*) AS total, count(*) FILTER (WHERE sold_to IS NULL) AS free FROM billing_number_catalogue"


class Refused(msgspec.Struct, kw_only=True):
    """A row of the pasted list that was not added, and why (in the page's language)."""

    line: int
    text: str
    reason: str


class _Prices(msgspec.Struct, kw_only=True):
    city: str
    category: str
    price_kop: int
    monthly_kop: int


def _t(lang: str) -> dict[str, str]:
    return TEXTS_EN if lang == "en" else TEXTS_RU


def _prices(form: dict[str, str], lang: str) -> tuple[_Prices | None, dict[str, str]]:
    """The form's city, category and prices, or the refusals beside their fields."""
    t = _t(lang)
    errors: dict[str, str] = {}
    city = form.get("city", "").strip()
    if not city or len(city) > 100:
        errors["city"] = t["billing_cat_bad_city"]
    category = form.get("category", "")
    if category not in CATEGORIES:
        errors["category"] = t["billing_cat_bad_category"]
    amounts: dict[str, int] = {}
    for field in ("price", "monthly"):
        try:
            amounts[field] = kopecks(form.get(field, ""), field)
        except ValidationError:
            errors[field] = t["billing_cat_bad_money"]
            continue
        if amounts[field] > MAX_KOP:
            errors[field] = t["billing_cat_bad_money"]
    if errors:
        return None, errors
    return _Prices(city=city, category=category, price_kop=amounts["price"], monthly_kop=amounts["monthly"]), {}


def expand(text: str, lang: str) -> tuple[list[tuple[int, str, str]], list[Refused]]:
    """The pasted list as (line, what was typed, E.164 number), ranges ("first..last", or with
    a dash between spaces) spelled out, and the rows that are no numbers; at most MAX_ADDED."""
    t = _t(lang)
    numbers: list[tuple[int, str, str]] = []
    refused: list[Refused] = []
    typed = [(line, item.strip()) for line, row in enumerate(text.splitlines(), start=1) for item in _ITEMS.split(row)]
    for line, item in typed:
        if not item:
            continue
        ends = _RANGE.match(item)
        try:
            if ends is None:
                numbers.append((line, item, normalise_phone(item, "numbers")))
                continue
            first, last = (normalise_phone(end, "numbers") for end in ends.groups())
        except ValidationError:
            refused.append(Refused(line=line, text=item, reason=t["billing_cat_not_a_number"]))
            continue
        if len(first) != len(last) or last < first:
            refused.append(Refused(line=line, text=item, reason=t["billing_cat_bad_range"]))
            continue
        count = int(last[1:]) - int(first[1:]) + 1
        if len(numbers) + count > MAX_ADDED:
            refused.append(Refused(line=line, text=item, reason=t["billing_cat_too_many"].format(n=MAX_ADDED)))
            continue
        width = len(first) - 1
        numbers += [(line, item, f"+{n:0{width}d}") for n in range(int(first[1:]), int(last[1:]) + 1)]
    if len(numbers) > MAX_ADDED:
        cut = numbers[MAX_ADDED]
        refused.append(Refused(line=cut[0], text=cut[1], reason=t["billing_cat_too_many"].format(n=MAX_ADDED)))
        numbers = numbers[:MAX_ADDED]
    return numbers, refused


async def _audit_put(conn: Connection, request: Request[Any, Any, Any], saved: CatalogueNumber, **was: Any) -> None:
    detail = {**msgspec.to_builtins(msgspec.structs.asdict(saved)), **({"was": was} if was else {})}
    await record(conn, actor(request), "billing_catalogue_number_put", detail=detail)


class CataloguePage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        lang = language(request)
        done = str(request.query_params.get("done", ""))
        number = str(request.query_params.get("number", ""))[:20]
        notice = ""
        if done == "removed" and number:
            notice = _t(lang)["billing_cat_removed"].format(number=number)
        elif done == "saved" and number:
            notice = _t(lang)["billing_cat_saved"].format(number=number)
        return await self._show(request, notice=notice)

    async def _show(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        lang = language(request)
        city = str(request.query_params.get("city", "")).strip() or None
        state = str(request.query_params.get("state", ""))
        async with kernel_of(request).db.system() as conn:
            rows = await conn.fetch(_LIST, city, state if state in ("free", "sold") else None, SHOWN + 1)
            cities = [r["city"] for r in await conn.fetch(_CITIES)]
            counts = await conn.fetchrow(_COUNTS)
        assert counts is not None  # an aggregate always answers a row
        numbers = [{
            "e164": r["e164"], "city": r["city"], "category": r["category"],
            "price": money(r["price_kop"], lang), "monthly": money(r["monthly_kop"], lang),
            "price_input": roubles_input(r["price_kop"]), "monthly_input": roubles_input(r["monthly_kop"]),
            "sold": r["sold_to"] is not None, "tenant": r["tenant"], "tenant_id": r["sold_to"],
        } for r in rows[:SHOWN]]  # fmt: skip
        context.setdefault("values", {"category": "ordinary"})
        return page(
            request, "billing/catalogue.html", status, numbers=numbers, more=len(rows) > SHOWN, cities=cities,
            city=city or "", state=state, categories=CATEGORIES, total=counts["total"], free=counts["free"],
            **context,
        )  # fmt: skip

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Template:
        """Add the pasted numbers with one city, category and prices: each number already in the
        catalogue, held by a PBX, repeated or mistyped is reported on its row; the others are
        added (each audited)."""
        lang = language(request)
        t = _t(lang)
        form = await form_fields(request)
        prices, errors = _prices(form, lang)
        numbers, refused = expand(form.get("numbers", ""), lang)
        if not numbers and not refused:
            errors["numbers"] = t["billing_cat_no_numbers"]
        if prices is None or errors:
            return await self._show(request, 422, errors=errors, values=form, adding=True)
        added: list[str] = []
        seen: set[str] = set()
        async with kernel_of(request).db.system() as conn:
            # Two operators adding the same numbers at once (or the API putting one): the second
            # waits for the first and finds them in the catalogue (else its prices would silently
            # replace the first's).
            await numbers_shop.lock_numbers(conn, (e164 for _, _, e164 in numbers))
            for line, typed, e164 in numbers:
                if e164 in seen:
                    refused.append(Refused(line=line, text=typed, reason=t["billing_cat_repeated"].format(number=e164)))
                    continue
                seen.add(e164)
                if await conn.fetchval("SELECT true FROM billing_number_catalogue WHERE e164 = $1", e164):
                    refused.append(Refused(line=line, text=typed, reason=t["billing_cat_exists"].format(number=e164)))
                    continue
                entry = CatalogueNumber(e164=e164, **msgspec.structs.asdict(prices))
                try:
                    async with conn.transaction():  # a savepoint: a refused row leaves the others
                        saved = await numbers_shop.put_entry(conn, entry)
                        await _audit_put(conn, request, saved)
                except VatsError:
                    refused.append(Refused(line=line, text=typed, reason=t["billing_cat_held"].format(number=e164)))
                    continue
                added.append(e164)
        refused.sort(key=lambda r: r.line)
        status = 200 if added or not refused else 422
        values = {**form, "numbers": "\n".join(r.text for r in refused)} if refused else {"category": "ordinary"}
        return await self._show(
            request, status, report={"added": added, "refused": refused}, values=values, adding=bool(refused)
        )

    @post("/edit")
    async def edit(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """Change an unsold number's city, category and prices (audited with what they were)."""
        lang = language(request)
        t = _t(lang)
        form = await form_fields(request)
        e164 = form.get("e164", "")
        prices, errors = _prices(form, lang)
        if prices is not None:
            async with kernel_of(request).db.system() as conn:
                # the number's lock before its row's, in the order put_entry takes them (no deadlock)
                await numbers_shop.lock_numbers(conn, [e164])
                was = await conn.fetchrow(
                    "SELECT city, category, price_kop, monthly_kop, sold_to FROM billing_number_catalogue"
                    " WHERE e164 = $1 FOR UPDATE",
                    e164,
                )
                if was is None:
                    errors["e164"] = t["billing_cat_unknown"].format(number=e164)
                elif was["sold_to"] is not None:
                    errors["e164"] = t["billing_cat_sold_no_edit"].format(number=e164)
                else:
                    entry = CatalogueNumber(e164=e164, **msgspec.structs.asdict(prices))
                    saved = await numbers_shop.put_entry(conn, entry)
                    await _audit_put(conn, request, saved, **{k: was[k] for k in was.keys() if k != "sold_to"})
                    return redirect(f"{PAGE}?{urlencode({'done': 'saved', 'number': e164})}")
        if "e164" in errors:  # no such number, or sold since the page was shown: said above the list
            return await self._show(request, 409, problem=errors["e164"])
        return await self._show(request, 422, edit_errors={e164: errors}, edit_values=form)

    @post("/remove")
    async def remove(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """Take a free number off sale; a sold one is refused, naming it."""
        lang = language(request)
        t = _t(lang)
        e164 = (await form_fields(request)).get("e164", "")
        async with kernel_of(request).db.system() as conn:
            row = await conn.fetchrow(
                "SELECT c.sold_to, t.name FROM billing_number_catalogue c LEFT JOIN tenants t ON t.id = c.sold_to"
                " WHERE c.e164 = $1 FOR UPDATE OF c",
                e164,
            )
            if row is None:
                return await self._show(request, 404, problem=t["billing_cat_unknown"].format(number=e164))
            if row["sold_to"] is not None:
                problem = t["billing_cat_sold_no_remove"].format(number=e164, tenant=row["name"])
                return await self._show(request, 409, problem=problem)
            await numbers_shop.remove_entry(conn, e164)
            await record(conn, actor(request), "billing_catalogue_number_removed", detail={"number": e164})
        return redirect(f"{PAGE}?{urlencode({'done': 'removed', 'number': e164})}")


TEXTS_RU = {
    "billing_cat_title": "Каталог номеров",
    "billing_cat_hint": "Номера на продажу: клиенты покупают их в кабинете. Всего {total}, свободно {free}.",
    "billing_cat_add": "Добавить номера",
    "billing_cat_numbers": "Номера",
    "billing_cat_numbers_hint": "По одному в строке или через запятую; диапазон: +74957770700..+74957770709.",
    "billing_cat_city": "Город",
    "billing_cat_category": "Категория",
    "billing_cat_price": "Цена, ₽",
    "billing_cat_monthly": "Абонплата в месяц, ₽",
    "billing_cat_price_col": "Цена",
    "billing_cat_monthly_col": "В месяц",
    "billing_cat_state": "Состояние",
    "billing_cat_all": "Все",
    "billing_cat_free": "Свободен",
    "billing_cat_free_pl": "Свободные",
    "billing_cat_sold": "Продан",
    "billing_cat_sold_pl": "Проданные",
    "billing_cat_all_cities": "Все города",
    "billing_cat_show": "Показать",
    "billing_cat_none": "В каталоге пока нет номеров.",
    "billing_cat_more": "Показаны первые {n}: уточните город или состояние.",
    "billing_cat_edit": "Изменить",
    "billing_cat_save": "Сохранить",
    "billing_cat_remove": "Снять с продажи",
    "billing_cat_cat_ordinary": "Обычный",
    "billing_cat_cat_bronze": "Бронзовый",
    "billing_cat_cat_silver": "Серебряный",
    "billing_cat_cat_gold": "Золотой",
    "billing_cat_added": "Добавлено номеров: {n}.",
    "billing_cat_refused": "Не добавлены ({n}): исправьте их ниже и добавьте снова.",
    "billing_cat_line": "Строка",
    "billing_cat_typed": "Что указано",
    "billing_cat_reason": "Причина",
    "billing_cat_saved": "Номер {number} сохранён.",
    "billing_cat_removed": "Номер {number} снят с продажи.",
    "billing_cat_bad_city": "Укажите город (до 100 символов)",
    "billing_cat_bad_category": "Выберите категорию",
    "billing_cat_bad_money": "Сумма в рублях, не больше двух знаков после запятой, например 3000 или 1500,50",
    "billing_cat_no_numbers": "Укажите хотя бы один номер",
    "billing_cat_not_a_number": "не номер телефона",
    "billing_cat_bad_range": "диапазон: номера одной длины, первый не больше последнего",
    "billing_cat_too_many": "за один раз — не больше {n} номеров",
    "billing_cat_repeated": "{number} уже есть в списке выше",
    "billing_cat_exists": "{number} уже в каталоге: цену меняйте в строке номера",
    "billing_cat_held": "{number} уже подключён у клиента",
    "billing_cat_unknown": "Номера {number} нет в каталоге",
    "billing_cat_sold_no_edit": "Номер {number} продан: его цену менять нельзя",
    "billing_cat_sold_no_remove": "Номер {number} продан (клиент «{tenant}»): снять с продажи нельзя",
    "billing_cat_owner": "Клиент",
}
TEXTS_EN = {
    "billing_cat_title": "Number catalogue",
    "billing_cat_hint": "Numbers for sale: tenants buy them in their cabinet. {total} in all, {free} free.",
    "billing_cat_add": "Add numbers",
    "billing_cat_numbers": "Numbers",
    "billing_cat_numbers_hint": "One a line or comma-separated; a range: +74957770700..+74957770709.",
    "billing_cat_city": "City",
    "billing_cat_category": "Category",
    "billing_cat_price": "Price, ₽",
    "billing_cat_monthly": "Monthly fee, ₽",
    "billing_cat_price_col": "Price",
    "billing_cat_monthly_col": "Monthly",
    "billing_cat_state": "State",
    "billing_cat_all": "All",
    "billing_cat_free": "Free",
    "billing_cat_free_pl": "Free",
    "billing_cat_sold": "Sold",
    "billing_cat_sold_pl": "Sold",
    "billing_cat_all_cities": "All cities",
    "billing_cat_show": "Show",
    "billing_cat_none": "No numbers in the catalogue yet.",
    "billing_cat_more": "The first {n} are shown: pick a city or a state.",
    "billing_cat_edit": "Change",
    "billing_cat_save": "Save",
    "billing_cat_remove": "Take off sale",
    "billing_cat_cat_ordinary": "Ordinary",
    "billing_cat_cat_bronze": "Bronze",
    "billing_cat_cat_silver": "Silver",
    "billing_cat_cat_gold": "Gold",
    "billing_cat_added": "Numbers added: {n}.",
    "billing_cat_refused": "Not added ({n}): correct them below and add again.",
    "billing_cat_line": "Line",
    "billing_cat_typed": "Given",
    "billing_cat_reason": "Reason",
    "billing_cat_saved": "Number {number} saved.",
    "billing_cat_removed": "Number {number} is off sale.",
    "billing_cat_bad_city": "Give the city (up to 100 characters)",
    "billing_cat_bad_category": "Choose a category",
    "billing_cat_bad_money": "An amount in roubles, at most two decimals, e.g. 3000 or 1500.50",
    "billing_cat_no_numbers": "Give at least one number",
    "billing_cat_not_a_number": "not a phone number",
    "billing_cat_bad_range": "a range: numbers of one length, the first not above the last",
    "billing_cat_too_many": "at most {n} numbers at a time",
    "billing_cat_repeated": "{number} is already in the list above",
    "billing_cat_exists": "{number} is already in the catalogue: change its price on its row",
    "billing_cat_held": "{number} is already a tenant's",
    "billing_cat_unknown": "{number} is not in the catalogue",
    "billing_cat_sold_no_edit": "{number} is sold: its price can no longer change",
    "billing_cat_sold_no_remove": "{number} is sold (tenant «{tenant}»): it cannot be taken off sale",
    "billing_cat_owner": "Tenant",
}


def catalogue_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[CataloguePage],
        nav=[NavEntry(href=PAGE, label_ru="Каталог номеров", label_en="Number catalogue", section="operator",
                      order=440)],
        templates=Path(__file__).parent / "templates", texts_ru=TEXTS_RU, texts_en=TEXTS_EN, area="operator",
    )  # fmt: skip
