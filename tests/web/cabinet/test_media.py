"""Settings → Media in a real browser: upload an MP3 with a progress bar and play it back,
a file that is not an MP3 is refused beside its field, a chain of a recording and a pause is
made, deleting a recording a chain uses asks first, and a non-admin gets the no-access page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.media_samples import mp3_tone
from tests.web.cabinet.axe import accessibility_problems
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, sign_in, wait
from tests.web.cabinet.test_pages import look

PAGE = "/cabinet/settings/media"

PLAY = """
const done = arguments[arguments.length - 1];
const audio = document.querySelector('#recordings audio');
audio.addEventListener('timeupdate', () => done([audio.currentTime, audio.duration]), {once: true});
audio.addEventListener('error', () => done(['error', String(audio.error && audio.error.code)]), {once: true});
audio.muted = true;
audio.play().catch(e => done(['refused', String(e)]));
"""


def upload(browser: Any, name: str, path: Path) -> None:
    panel = browser.find_element(By.ID, "upload-panel")
    if not panel.get_attribute("open"):
        panel.find_element(By.TAG_NAME, "summary").click()
    field = browser.find_element(By.ID, "media-name")
    field.clear()
    field.send_keys(name)
    browser.find_element(By.ID, "media-file").send_keys(str(path))
    browser.find_element(By.ID, "upload-submit").click()


async def test_an_admin_uploads_an_mp3_plays_it_and_chains_it_with_a_pause(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated, tmp_path: Path,
    screenshots: Path,
) -> None:
    tone = tmp_path / "greeting.mp3"
    tone.write_bytes(mp3_tone(seconds=2.0))
    not_mp3 = tmp_path / "notes.mp3"
    not_mp3.write_text("это не звук")
    email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    sign_in(browser, cabinet_server, email)
    browser.get(cabinet_server.url + PAGE)
    assert browser.find_element(By.ID, "no-recordings")

    # Not an MP3: the message sits beside the file field and nothing is added.
    upload(browser, "Заметки", not_mp3)
    error = wait(browser).until(ec.presence_of_element_located((By.ID, "file-error")))
    assert error.text and browser.find_element(By.ID, "media-file").get_attribute("aria-invalid") == "true"
    assert browser.find_elements(By.ID, "no-recordings")

    upload(browser, "Приветствие", tone)
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#recordings tr[data-file]")))
    assert "«Приветствие»" in browser.find_element(By.ID, "notice").text
    row = browser.find_element(By.CSS_SELECTOR, "#recordings tbody tr")
    assert row.text.split("\n")[0].startswith("Приветствие") and "0:02" in row.text
    # It plays: the browser fetches the WAV with the cabinet's cookie and time runs.
    browser.set_script_timeout(20)
    played = browser.execute_async_script(PLAY)
    assert played[0] not in ("error", "refused"), played
    assert abs(float(played[1]) - 2.0) < 0.2, played  # the 8 kHz WAV is as long as the MP3

    # A chain: the recording, then a pause of 1,5 s.
    browser.find_element(By.CSS_SELECTOR, "#chain-panel summary").click()
    browser.find_element(By.ID, "chain-name").send_keys("Приветствие и пауза")
    Select(browser.find_element(By.ID, "part-0")).select_by_visible_text("Приветствие")
    Select(browser.find_element(By.ID, "part-1")).select_by_value("pause")
    browser.find_element(By.ID, "pause-1").send_keys("1,5")
    browser.find_element(By.ID, "chain-submit").click()
    chain = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#chains tr[data-chain]")))
    assert "Приветствие + пауза 1.5 с" in chain.text and "0:03" in chain.text
    problems = accessibility_problems(browser, "media")
    problems += look(browser, cabinet_server.url + PAGE, "media", screenshots)
    assert not problems, "\n".join(problems)

    # Deleting the recording the chain uses asks first; "delete anyway" leaves the pause.
    browser.find_element(By.CSS_SELECTOR, "#recordings tr[data-file] button.link").click()
    warning = wait(browser).until(ec.presence_of_element_located((By.ID, "in-use")))
    assert "Приветствие и пауза" in warning.text
    browser.find_element(By.ID, "delete-anyway").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "no-recordings")))
    chain = browser.find_element(By.CSS_SELECTOR, "#chains tr[data-chain]")
    assert "пауза 1.5 с" in chain.text and "Приветствие +" not in chain.text


async def test_an_employee_gets_the_no_access_page_for_media(
    cabinet_server: Server, browser: Any, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    anna, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Анна", email="anna@test.example")
    )
    sign_in(browser, cabinet_server, await give_password(vats_kernel, vats_tenant.tenant_id, anna.id))
    assert "/cabinet/settings/media" not in browser.find_element(By.ID, "nav").get_attribute("innerHTML")
    browser.get(cabinet_server.url + PAGE)
    assert "Нет доступа" in browser.find_element(By.TAG_NAME, "h1").text
