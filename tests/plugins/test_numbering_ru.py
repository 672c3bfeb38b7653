"""Russia's numbering plan: region names to federal subjects, registry import, lookups."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from vats.core.kernel import Kernel
from vats.core.regions import CallerRegion
from vats.plugins import numbering_ru
from vats.plugins.numbering_ru.registry import ImportReport, import_files, parse_registry
from vats.plugins.numbering_ru.subjects import SUBJECTS, subjects_for


@pytest.mark.parametrize(("code", "name"), sorted(SUBJECTS.items()))
def test_every_federal_subject_maps_to_its_code(code: str, name: str) -> None:
    assert subjects_for(name) == [code]


@pytest.mark.parametrize(
    ("registry_name", "codes"),
    [
        ("г. Москва и Московская область", ["RU-MOW", "RU-MOS"]),
        ("г. Санкт-Петербург и Ленинградская область", ["RU-SPE", "RU-LEN"]),
        ("Республика Татарстан (Татарстан)", ["RU-TA"]),
        ("Кемеровская область - Кузбасс", ["RU-KEM"]),
        ("Ханты-Мансийский автономный округ - Югра", ["RU-KHM"]),
        ("Тюменская обл.|Ханты-Мансийский АО", ["RU-KHM"]),
        ("г.о. Красногорск|Московская обл.", ["RU-MOS"]),
        ("Республика Саха /Якутия/", ["RU-SA"]),
        ("Чувашская Республика - Чувашия", ["RU-CU"]),
        ("Ненецкий АО", ["RU-NEN"]),
        ("Новосибирская обл.", ["RU-NVS"]),
        ("Республика Крым", None),
        ("Российская Федерация", None),
    ],
)
def test_registry_spellings(registry_name: str, codes: list[str] | None) -> None:
    assert subjects_for(registry_name) == codes


def test_bad_lines_are_reported_and_skipped() -> None:
    report = ImportReport()
    text = "АВС/ DEF;От;До;Емкость;Оператор;Регион\n916;0000000;0000009;10;МТС;Московская обл.\n916;abc;1;1;X;Y\n9160;0;1;1;X;Y\n"
    ranges = list(parse_registry(text, report))
    assert len(ranges) == 1 and ranges[0].first_number == 9_160_000_000
    assert [line.split(":")[0] for line in report.bad_lines] == ["line 3", "line 4"]


async def test_hook_startup(vats_kernel: Kernel) -> None:
    """The sample registry imported, then the kernel's start-up hook loads it into memory."""
    assert vats_kernel.db is not None
    report = await import_files(vats_kernel.db, [numbering_ru.SAMPLE])
    assert report.ranges == 29
    assert set(report.unmapped_regions) == {
        "Республика Крым",
        "г. Севастополь",
        "Российская Федерация",
        "Территория вне субъектов",
    }
    await vats_kernel._startup()
    found = vats_kernel.lookup_region("+79165551234")
    assert found is not None and found.subjects == ["RU-MOW", "RU-MOS"] and found.source == "registry"


async def test_hook_lookup_region(vats_kernel: Kernel) -> None:
    assert vats_kernel.db is not None
    await import_files(vats_kernel.db, [numbering_ru.SAMPLE])
    await vats_kernel._startup()
    assert vats_kernel.lookup_region("+79221000001") == CallerRegion(
        subjects=["RU-KHM"],
        name="Ханты-Мансийский автономный округ - Югра",
        operator='ПАО "МегаФон"',
        source="registry",
    )
    fixed = vats_kernel.lookup_region("+73832100000")  # not in the sample: phonenumbers' geocoder
    assert fixed is not None and fixed.subjects == ["RU-NVS"] and fixed.source == "geocoder"
    assert vats_kernel.lookup_region("+79010000001") is None  # Crimea: no ISO 3166-2:RU code
    assert vats_kernel.lookup_region("+79990000001") is None  # "Российская Федерация": no subject
    assert vats_kernel.lookup_region("+442079460958") is None  # not Russian: another plugin's job
    assert vats_kernel.lookup_region("+79880000000") is None  # a mobile range not in the plan


async def test_import_replaces_the_plan_and_reads_windows_1251(vats_kernel: Kernel, tmp_path: Path) -> None:
    assert vats_kernel.db is not None
    await import_files(vats_kernel.db, [numbering_ru.SAMPLE])
    legacy = tmp_path / "DEF-9xx.csv"
    legacy.write_bytes(
        "АВС/ DEF;От;До;Емкость;Оператор;Регион\n988;0000000;0999999;1000000;ПАО МТС;Ставропольский край\n".encode(
            "cp1251"
        )
    )
    report = await import_files(vats_kernel.db, [legacy])
    assert report.ranges == 1 and not report.unmapped_regions
    await vats_kernel._startup()
    assert vats_kernel.lookup_region("+79880000000") is not None
    assert vats_kernel.lookup_region("+79165551234") is None  # the previous plan is gone


def test_cli_import_reports_and_refuses_missing_files(vats_database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "VATS_DATABASE_URL": vats_database_url}
    run = [sys.executable, "-m", "vats.bots.cli", "numbering-plan"]
    done = subprocess.run(
        [*run, "import", str(numbering_ru.SAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "29 ranges imported" in done.stdout and "Республика Крым" in done.stdout
    looked = subprocess.run([*run, "lookup", "8 (916) 555-12-34"], env=env, capture_output=True, text=True, timeout=60)
    assert "RU-MOW, RU-MOS" in looked.stdout
    missing = subprocess.run(
        [*run, "import", str(tmp_path / "nope.csv")], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "not a file" in missing.stderr
