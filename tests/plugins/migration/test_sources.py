"""Reading exports: the old cabinet's JSON (streamed, versioned, its schema in docs/) and
FreePBX's Bulk Handler extensions CSV, with errors that name the place in the file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import msgspec
import pytest
from vats.core.errors import ValidationError
from vats.core.migration_export import OldCabinetExport, OldCustomer, SourceError, json_schema
from vats.plugins.migration.plan import plan_customer
from vats.plugins.migration.reading import check_size, customers
from vats.plugins.migration.sources.freepbx import FreePbxExtensionsSource
from vats.plugins.migration.sources.json_export import JsonExportSource

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "migration-export.json"


def _export(tmp_path: Path, body: object, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _customer(n: int = 1, **extra: object) -> dict[str, object]:
    return {
        "id": f"C-{n}", "name": f"Клиент {n}", "admin_email": f"boss{n}@c{n}.example",
        "lines": [{"login": f"old{n}-1", "password": "Line-Pass-1"}],
        "numbers": [{"number": f"+7495100{n:04d}", "forwarding": [{"to": f"old{n}-1"}]}],
        **extra,
    }  # fmt: skip


def test_the_committed_schema_is_the_formats_and_the_example_follows_it() -> None:
    committed = json.loads((ROOT / "docs" / "migration-export.schema.json").read_text())
    assert committed == json.loads(json.dumps(json_schema()))
    example = json.loads(EXAMPLE.read_text())
    jsonschema_rs.validator_for(committed).validate(example)
    assert not jsonschema_rs.validator_for(committed).is_valid({**example, "version": 2})
    msgspec.convert(example, OldCabinetExport)  # and the Structs read it the same way


def test_the_json_source_streams_customers_one_by_one(tmp_path: Path) -> None:
    path = _export(
        tmp_path, {"format": "vats-old-cabinet-export", "version": 1, "customers": [_customer(1), _customer(2)]}
    )
    read = JsonExportSource().read(path)
    first = next(read)
    assert isinstance(first, OldCustomer) and first.id == "C-1" and first.lines[0].login == "old1-1"
    assert [c.id for c in read] == ["C-2"]
    example = list(JsonExportSource().read(EXAMPLE))
    assert example[0].numbers[0].vip_lists[0].callers == ["+74957654321"]


@pytest.mark.parametrize(
    ("body", "place", "words"),
    [
        ({"format": "vats-old-cabinet-export", "version": 2, "customers": []}, "$.version", "version 2"),
        ({"format": "something-else", "version": 1, "customers": []}, "$.format", "something-else"),
        ({"format": "vats-old-cabinet-export", "version": 1, "customers": [_customer(1), _customer(2, lines=[{"login": "x"}])]},
         "$.customers[1].lines[0]", "password"),
        ({"format": "vats-old-cabinet-export", "version": 1, "customers": [_customer(1, colour="red")]},
         "$.customers[0]", "colour"),
        ({"format": "vats-old-cabinet-export", "version": 1, "extra": 1, "customers": []}, "$.extra", "unknown field"),
    ],
)  # fmt: skip
def test_a_wrong_export_is_refused_naming_the_place(tmp_path: Path, body: object, place: str, words: str) -> None:
    path = _export(tmp_path, body)
    with pytest.raises(SourceError) as info:
        list(JsonExportSource().read(path))
    assert info.value.place == place and words in str(info.value), str(info.value)


def test_broken_json_is_refused_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "vats-old-cabinet-export", "version": 1,\n "customers": [\n  {"id": "C-1",, }\n]}\n')
    with pytest.raises(SourceError) as info:
        list(JsonExportSource().read(path))
    assert info.value.place == "line 3, column 16" and "not valid JSON" in info.value.message, str(info.value)


def test_an_addressee_that_is_neither_a_line_nor_a_number_is_a_problem_naming_it(tmp_path: Path) -> None:
    customer = msgspec.convert(
        _customer(1, numbers=[{"number": "+74951000001", "forwarding": [{"to": "old1-1"}, {"to": "бухгалтерия"}]}]),
        OldCustomer,
    )
    plan = plan_customer("json", customer)
    assert [(p.place, "бухгалтерия" in p.message) for p in plan.problems] == [("numbers[0].forwarding[1].to", True)]


def test_files_over_the_limit_are_refused_before_parsing_naming_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"{ this is not json " + b" " * 2_000_000)  # parsing it would be a syntax error
    with pytest.raises(ValidationError) as info:
        list(customers(JsonExportSource(), [big], limit_mb=1))
    assert "over the limit of 1 MB" in info.value.message and info.value.field == "file"
    check_size(big, limit_mb=2)  # under a larger limit it is the parser's to refuse
    with pytest.raises(SourceError):
        list(customers(JsonExportSource(), [big], limit_mb=2))


# A file made to FreePBX's Bulk Handler documentation: a header row of column names in any
# order (Core's, User Manager's, Voicemail's and others'), one row per extension.
FREEPBX_CSV = (
    "extension,name,description,tech,secret,outboundcid,voicemail,voicemail_email,email,callwaiting_enable,"
    "findmefollow_enabled\n"
    '2001,Anna Petrova,Reception,pjsip,aK3-secret-2001,"""Romashka"" <74951234567>",default,anna@vm.example,'
    "anna@romashka.example,ENABLED,\n"
    "2002,Boris Ivanov,,sip,bK3-secret-2002,,default,boris@romashka.example,,ENABLED,\n"
    "2003,Virtual Queue Agent,,virtual,,,novm,,,,\n"
)


def test_the_freepbx_source_reads_extensions_as_employees_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "romashka.csv"
    path.write_text(FREEPBX_CSV, encoding="utf-8")
    [customer] = list(FreePbxExtensionsSource().read(path))
    assert customer.id == "romashka" and customer.admin_email == "anna@romashka.example"
    assert [(line.login, line.password) for line in customer.lines] == [
        ("2001", "aK3-secret-2001"), ("2002", "bK3-secret-2002"),
    ]  # fmt: skip
    assert customer.employees is not None
    assert [(e.full_name, e.email, e.extension, [b.login for b in e.lines]) for e in customer.employees] == [
        ("Anna Petrova", "anna@romashka.example", "2001", ["2001"]),
        ("Boris Ivanov", "boris@romashka.example", "2002", ["2002"]),  # voicemail_email when email is empty
        ("Virtual Queue Agent", None, "2003", []),
    ]
    plan = plan_customer("freepbx-csv", customer)
    assert plan.problems == [] and plan.admin.full_name == "Anna Petrova" and plan.admin.role == "admin"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("name,tech\nAnna,pjsip\n", "line 1"),
        ("extension,name,tech,secret\n2001,Anna,pjsip,s3cret-1\n2002,Boris,pjsip,\n", "line 3, column secret"),
        ("extension,name,tech,secret\n2001,Anna,skinny,x\n", "line 2, column tech"),
        ("extension,name,tech,secret\n2001,Anna,pjsip,s,extra\n", "line 2"),
    ],
)
def test_a_broken_freepbx_file_is_refused_naming_the_line(tmp_path: Path, text: str, place: str) -> None:
    path = tmp_path / "pbx.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(FreePbxExtensionsSource().read(path))
    assert info.value.place == place, str(info.value)
