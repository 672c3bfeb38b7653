"""The documents as PDF (fpdf2): an invoice for a bank transfer (счёт на оплату), the month's
universal transfer document (УПД) and the reconciliation act (акт сверки).

fpdf2 is pure Python (its dependencies fontTools and Pillow install from wheels) and embeds a
subset of a TrueType font, so Cyrillic prints everywhere. The font is DejaVu Sans from
matplotlib's wheel, already a dependency of vats: no system fonts are needed. Amounts in words
come from num2words. Rendering is pure: the same data give the same bytes (the creation date is
the document's own), though the bytes are stored anyway (``documents/store.py``)."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import logging
import os
import tempfile
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import msgspec
import platformdirs
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from num2words import num2words

FONT = "DejaVu"
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset": a table fpdf2 never reads
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")  # fmt: skip
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")  # fmt: skip


class Party(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    inn: str
    kpp: str | None = None
    address: str


class Bank(msgspec.Struct, frozen=True, kw_only=True):
    bank_name: str
    bik: str
    account: str
    corr_account: str
    director: str = ""
    accountant: str = ""


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """One row of goods and services; amounts include VAT."""

    name: str
    unit: str = "усл."
    quantity: int = 1
    amount_kop: int
    vat_kop: int = 0


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the reconciliation act: the seller's debit (services) or credit (payments)."""

    on: dt.date
    what: str
    debit_kop: int = 0
    credit_kop: int = 0


# What documents print: Latin, Cyrillic, punctuation, №, ₽ and the minus sign. A font cut to
# these loads and embeds about five times faster than the whole DejaVu (measured: 0.1 s a
# document instead of 0.6 s), and the counter of a document's kind is held while it renders.
_PRINTED = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x370, 0x400), *range(0x400, 0x530),
            *range(0x2010, 0x2060), 0x2116, 0x2122, 0x20BD, 0x2212]  # fmt: skip
_CUT = zlib.crc32(repr(_PRINTED).encode())  # in the cut files' names: a new set makes new files


@cache
def _fonts() -> tuple[str, str]:
    """DejaVu Sans (regular, bold) from matplotlib's wheel (found without importing matplotlib),
    cut to the characters documents print; the cut files are made once and kept in a cache."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (which ships the DejaVu fonts) is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    cut = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        source = folder / name
        stat = source.stat()
        target = _cache_dir() / f"{source.stem}-{stat.st_size}-{int(stat.st_mtime)}-{_CUT:08x}.ttf"
        if not target.exists():
            _cut(source, target)
        cut.append(str(target))
    return cut[0], cut[1]


def _cache_dir() -> Path:
    for base in (Path(platformdirs.user_cache_dir("vats")), Path(tempfile.gettempdir()) / "vats-cache"):
        try:
            folder = base / "fonts"
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        except OSError:  # a read-only home: the temporary folder will do
            continue
    raise RuntimeError("no folder to keep the document fonts in")


def _cut(source: Path, target: Path) -> None:
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_PRINTED)
    subsetter.subset(font)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)  # another process cutting it at the same time writes the same file


def rub(kop: int) -> str:
    """Kopecks as documents print them: "1 234,50" (a minus for a negative amount)."""
    whole, part = divmod(abs(kop), 100)
    return f"{'-' if kop < 0 else ''}{whole:,}".replace(",", " ") + f",{part:02d}"


def in_words(kop: int) -> str:
    """"Одна тысяча пятьсот рублей 00 копеек": the amount as a payer reads it on an invoice."""
    text = num2words(decimal.Decimal(abs(kop)) / 100, lang="ru", to="currency", currency="RUB", cents=False,
                     separator="")  # fmt: skip
    text = str(text)
    return ("Минус " + text if kop < 0 else text[:1].upper() + text[1:]).strip()


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def month_name(first: dt.date) -> str:
    return f"{MONTHS[first.month - 1]} {first.year} г."


def party_line(party: Party) -> str:
    kpp = f", КПП {party.kpp}" if party.kpp else ""
    return f"{party.name}, ИНН {party.inn}{kpp}, {party.address}"


def vat_text(rate_pct: int | None) -> str:
    return "Без НДС" if rate_pct is None else f"{rate_pct}%"


class _Pdf(FPDF):
    def __init__(self, title: str, created: dt.datetime, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        regular, bold = _fonts()
        self.add_font(FONT, "", regular)
        self.add_font(FONT, "B", bold)
        self.set_font(FONT, size=9)
        self.set_title(title)
        self.set_lang("ru")
        self.set_creation_date(created)
        self.set_creator("vats")
        self.set_producer("vats")
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 12, 15)
        self.add_page()

    def text_line(self, text: str, *, size: float = 9, bold: bool = False, height: float = 5) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)

    def rule(self) -> None:
        y = self.get_y() + 1
        self.set_line_width(0.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_line_width(0.2)
        self.set_y(y + 2)

    def signatures(self, people: Sequence[tuple[str, str]]) -> None:
        self.ln(8)
        for role, name in people:
            self.cell(45, 6, role)
            self.cell(45, 6, "", border="B")
            self.cell(60, 6, f" {name}" if name else "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)


def invoice(
    *, number: int, issued_on: dt.date, created: dt.datetime, seller: Party, bank: Bank, buyer: Party,
    lines: Sequence[Line], vat_pct: int | None,
) -> bytes:  # fmt: skip
    """Счёт на оплату: the bank details to pay to, the parties, the lines, VAT and the total."""
    title = f"Счёт на оплату № {number} от {issued_on:%d.%m.%Y}"
    pdf = _Pdf(title, created)
    total = sum(line.amount_kop for line in lines)
    vat = sum(line.vat_kop for line in lines)
    with pdf.table(col_widths=(95, 20, 65), first_row_as_headings=False, line_height=5, text_align="LEFT") as table:
        row = table.row()
        row.cell(f"{bank.bank_name}\nБанк получателя", rowspan=2)
        row.cell("БИК")
        row.cell(bank.bik)
        row = table.row()
        row.cell("Сч. №")
        row.cell(bank.corr_account)
        row = table.row()
        row.cell(f"ИНН {seller.inn}" + (f"    КПП {seller.kpp}" if seller.kpp else ""))
        row.cell("Сч. №", rowspan=2)
        row.cell(bank.account, rowspan=2)
        row = table.row()
        row.cell(f"{seller.name}\nПолучатель")
    pdf.ln(4)
    pdf.text_line(title, size=14, bold=True, height=7)
    pdf.rule()
    pdf.text_line(f"Поставщик (исполнитель): {party_line(seller)}")
    pdf.ln(1)
    pdf.text_line(f"Покупатель (заказчик): {party_line(buyer)}")
    pdf.ln(3)
    _lines_table(pdf, lines)
    pdf.ln(2)
    _total_row(pdf, "Итого:", rub(total))
    _total_row(pdf, f"В том числе НДС ({vat_text(vat_pct)}):" if vat_pct is not None else "Без НДС", rub(vat)
               if vat_pct is not None else "")  # fmt: skip
    _total_row(pdf, "Всего к оплате:", rub(total))
    pdf.ln(2)
    pdf.text_line(f"Всего наименований {len(lines)}, на сумму {rub(total)} руб.")
    pdf.text_line(in_words(total), bold=True)
    pdf.ln(2)
    pdf.text_line(f"В назначении платежа укажите: «Оплата по счёту № {number} от {issued_on:%d.%m.%Y}».")
    pdf.text_line("Оплата зачисляется на лицевой счёт ВАТС после поступления денег на расчётный счёт.")
    pdf.rule()
    pdf.signatures([("Руководитель", bank.director), ("Бухгалтер", bank.accountant)])
    return bytes(pdf.output())


def _lines_table(pdf: _Pdf, lines: Sequence[Line]) -> None:
    with pdf.table(
        col_widths=(8, 88, 17, 13, 27, 27), text_align=("RIGHT", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT"),
        line_height=5, headings_style=_headings(),
    ) as table:  # fmt: skip
        table.row(["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"])
        for i, line in enumerate(lines, start=1):
            price = line.amount_kop // line.quantity if line.quantity else line.amount_kop
            table.row([str(i), line.name, str(line.quantity), line.unit, rub(price), rub(line.amount_kop)])


def _headings() -> object:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


def _total_row(pdf: _Pdf, label: str, value: str) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.cell(150, 5, label, align="R")
    pdf.cell(30, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)


def upd(
    *, number: int, issued_on: dt.date, created: dt.datetime, period: tuple[dt.date, dt.date], seller: Party,
    bank: Bank, buyer: Party, lines: Sequence[Line], vat_pct: int | None,
) -> bytes:  # fmt: skip
    """УПД (status 1: a VAT invoice and the act of services at once; status 2 without VAT) for
    the services of one month, in the layout of the universal transfer document."""
    first, end = period
    title = f"Универсальный передаточный документ № {number} от {issued_on:%d.%m.%Y}"
    pdf = _Pdf(title, created, orientation="L")
    status = 1 if vat_pct is not None else 2
    pdf.text_line("Универсальный передаточный документ", size=12, bold=True, height=6)
    pdf.text_line(f"Счёт-фактура № {number} от {issued_on:%d.%m.%Y}    Статус: {status}", size=11, bold=True,
                  height=6)  # fmt: skip
    pdf.text_line(f"Продавец: {seller.name}")
    pdf.text_line(f"Адрес: {seller.address}")
    pdf.text_line(f"ИНН/КПП продавца: {seller.inn}/{seller.kpp or ''}")
    pdf.text_line(f"Покупатель: {buyer.name}")
    pdf.text_line(f"Адрес: {buyer.address}")
    pdf.text_line(f"ИНН/КПП покупателя: {buyer.inn}/{buyer.kpp or ''}")
    pdf.text_line("Валюта: наименование, код: Российский рубль, 643")
    pdf.text_line(f"Период оказания услуг: {first:%d.%m.%Y} – {end - dt.timedelta(days=1):%d.%m.%Y}"
                  f" ({month_name(first)})")  # fmt: skip
    pdf.ln(2)
    total = sum(line.amount_kop for line in lines)
    vat = sum(line.vat_kop for line in lines)
    with pdf.table(
        col_widths=(8, 89, 16, 17, 24, 30, 22, 28, 33),
        text_align=("RIGHT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "CENTER", "RIGHT", "RIGHT"),
        line_height=5, headings_style=_headings(),
    ) as table:  # fmt: skip
        table.row(["№", "Наименование услуги", "Ед. изм.", "Кол-во", "Цена", "Стоимость без налога",
                   "Ставка НДС", "Сумма налога", "Стоимость с налогом"])  # fmt: skip
        for i, line in enumerate(lines, start=1):
            net = line.amount_kop - line.vat_kop
            price = net // line.quantity if line.quantity else net
            table.row([str(i), line.name, line.unit, str(line.quantity), rub(price), rub(net), vat_text(vat_pct),
                       rub(line.vat_kop) if vat_pct is not None else "Без НДС", rub(line.amount_kop)])  # fmt: skip
        row = table.row()
        row.cell("Всего к оплате", colspan=5)
        row.cell(rub(total - vat))
        row.cell("X")
        row.cell(rub(vat) if vat_pct is not None else "Без НДС")
        row.cell(rub(total))
    pdf.ln(2)
    pdf.text_line(f"Всего к оплате: {rub(total)} руб. ({in_words(total)})", bold=True)
    pdf.signatures([("Руководитель", bank.director), ("Главный бухгалтер", bank.accountant)])
    pdf.text_line("Услуги оказаны в полном объёме, в срок. Покупатель претензий по объёму, качеству и срокам"
                  " оказания услуг не имеет.")  # fmt: skip
    pdf.signatures([("Услуги сдал", bank.director), ("Услуги принял", "")])
    return bytes(pdf.output())


def reconciliation(
    *, number: int, issued_on: dt.date, created: dt.datetime, period: tuple[dt.date, dt.date], seller: Party,
    bank: Bank, buyer: Party, opening_kop: int, entries: Sequence[Entry], closing_kop: int,
) -> bytes:  # fmt: skip
    """Акт сверки взаимных расчётов for a month, from the seller's side: the opening balance,
    services (debit) and payments (credit), the closing balance. A balance > 0 is the buyer's
    prepayment (the seller owes services); < 0 is the buyer's debt."""
    first, end = period
    last = end - dt.timedelta(days=1)
    title = f"Акт сверки № {number} от {issued_on:%d.%m.%Y}"
    pdf = _Pdf(title, created)
    pdf.text_line(title, size=13, bold=True, height=7)
    pdf.text_line(f"взаимных расчётов за период {first:%d.%m.%Y} – {last:%d.%m.%Y} между {seller.name}"
                  f" (ИНН {seller.inn}) и {buyer.name} (ИНН {buyer.inn}) по данным {seller.name}, руб.")  # fmt: skip
    pdf.ln(2)
    debit = sum(e.debit_kop for e in entries)
    credit = sum(e.credit_kop for e in entries)
    with pdf.table(
        col_widths=(25, 95, 30, 30), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"), line_height=5,
        headings_style=_headings(),
    ) as table:  # fmt: skip
        table.row(["Дата", "Документ", "Дебет", "Кредит"])
        table.row([f"{first:%d.%m.%Y}", "Сальдо начальное", *_sides(opening_kop)])
        for e in entries:
            table.row([f"{e.on:%d.%m.%Y}", e.what, rub(e.debit_kop) if e.debit_kop else "",
                       rub(e.credit_kop) if e.credit_kop else ""])  # fmt: skip
        table.row(["", "Обороты за период", rub(debit), rub(credit)])
        table.row([f"{last:%d.%m.%Y}", "Сальдо конечное", *_sides(closing_kop)])
    pdf.ln(3)
    if closing_kop > 0:
        owed = f"задолженность {seller.name} перед {buyer.name} (аванс) составляет {rub(closing_kop)} руб."
    elif closing_kop < 0:
        owed = f"задолженность {buyer.name} перед {seller.name} составляет {rub(-closing_kop)} руб."
    else:
        owed = "задолженности нет."
    pdf.text_line(f"На {last:%d.%m.%Y} {owed}", bold=True)
    pdf.signatures([(f"От {seller.name}", bank.director), (f"От {buyer.name}", "")])
    return bytes(pdf.output())


def _sides(balance_kop: int) -> list[str]:
    """A balance in the seller's columns: the buyer's debt is a debit, its prepayment a credit."""
    if balance_kop < 0:
        return [rub(-balance_kop), ""]
    return ["", rub(balance_kop)]
