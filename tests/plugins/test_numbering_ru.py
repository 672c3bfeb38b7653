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


@pytest.mark.parametrize("columns", ["30", "250"])
def test_cli_import_reports_and_refuses_missing_files(vats_database_url: str, tmp_path: Path, columns: str) -> None:
    env = {**os.environ, "VATS_DATABASE_URL": vats_database_url, "COLUMNS": columns}
    run = [sys.executable, "-m", "vats.bots.cli", "numbering-plan"]
    done = subprocess.run(
        [*run, "import", str(numbering_ru.SAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "29 ranges imported" in done.stdout and "Республика Крым" in done.stdout
    looked = subprocess.run([*run, "lookup", "8 (916) 555-12-34"], env=env, capture_output=True, text=True, timeout=60)
    assert "RU-MOW, RU-MOS" in looked.stdout
    deep = tmp_path.joinpath(*["a-long-folder-name"] * 6)
    missing = subprocess.run([*run, "import", str(deep / "nope.csv")], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "not a file" in missing.stderr and len(missing.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("number", "subject"),
    [("+74951234567", "RU-MOW"), ("+74997654321", "RU-MOW"), ("+74961234567", "RU-MOS"), ("+74981234567", "RU-MOS"),
     ("+78121234567", "RU-SPE"), ("+78131234567", "RU-LEN")],
)  # fmt: skip
async def test_landlines_without_a_plan_resolve_to_their_own_federal_subject(
    vats_kernel: Kernel, number: str, subject: str
) -> None:
    """phonenumbers' geocoder calls +7 495 «Московская обл.» and +7 496 «г. Москва»: the area
    code decides Moscow against Moscow Oblast, Saint Petersburg against Leningrad Oblast."""
    await vats_kernel._startup()  # the test database holds no plan
    found = vats_kernel.lookup_region(number)
    assert found is not None and found.subjects == [subject], found


async def test_a_running_process_picks_up_an_import_without_a_gap(vats_kernel: Kernel, tmp_path: Path) -> None:
    """Another process imports a plan; the running one follows within seconds, and a number
    both plans know is answered throughout (the new index is built aside, then swapped in)."""
    import asyncio

    from vats.core.db.database import Database

    assert vats_kernel.db is not None
    await import_files(vats_kernel.db, [numbering_ru.SAMPLE])
    await vats_kernel._startup()
    follower = asyncio.create_task(numbering_ru.follow_imports(vats_kernel))
    other_process = Database(vats_kernel.owner_url)
    await other_process.open()
    try:
        await asyncio.sleep(1)  # the follower listens
        grown = tmp_path / "grown.csv"
        grown.write_text(
            numbering_ru.SAMPLE.read_text(encoding="utf-8")
            + "988;0000000;0999999;1000000;ПАО МТС;Ставропольский край;7740000076\n",
            encoding="utf-8",
        )
        assert vats_kernel.lookup_region("+79880000000") is None
        await import_files(other_process, [grown])
        for _ in range(100):
            known = vats_kernel.lookup_region("+79165551234")
            assert known is not None and known.source == "registry"  # never a gap
            if vats_kernel.lookup_region("+79880000000") is not None:
                break
            await asyncio.sleep(0.05)
        found = vats_kernel.lookup_region("+79880000000")
        assert found is not None and found.subjects == ["RU-STA"]
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await other_process.close()
