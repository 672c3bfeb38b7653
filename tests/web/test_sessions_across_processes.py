"""Each `vats serve` process caches signed-in sessions (core/accounts/sessions.py) and the
employee list (bots/web/response_cache.py); a sign-out, a password change and a suspension
done through one process are refused by another within a second, and an employee renamed
through one is listed renamed by the other within a second, told by PostgreSQL notification.
Two real `vats serve` processes on one database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.serve import serving

OPERATOR = "sessions-operator-token-0123456789"


@contextmanager
def vats_serve(database_url: str, data_dir: Path, *, demo: bool) -> Iterator[tuple[str, str | None]]:
    """A `vats serve` process; yields its base URL and the demo admin's password if it made one."""
    env = {"VATS_OPERATOR_TOKEN": OPERATOR, "VATS_AGI_PORT": "0", "VATS_DEMO": "1" if demo else "0"}
    with serving(data_dir, database_url=database_url, env=env) as served:
        login = served.admin_login()
        yield served.base_url, login[1] if login else None


def refused_within(check: Callable[[], int], seconds: float) -> float:
    """Seconds until ``check`` answers 401, failing after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check() == 401:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"still accepted after {seconds} s")


def test_sign_out_password_change_and_suspension_reach_another_process_within_a_second(
    vats_database_url: str, tmp_path: Path
) -> None:
    with (
        vats_serve(vats_database_url, tmp_path, demo=True) as (one, password),
        vats_serve(vats_database_url, tmp_path, demo=False) as (other, _),
        httpx.Client(timeout=10) as http,
    ):
        assert password, "vats serve printed no demo password"
        login = {"email": "admin@demo.vats.example", "password": password}

        def sign_in() -> str:
            answer = http.post(f"{one}/api/auth/login", json=login)
            assert answer.status_code == 200, answer.text
            token: str = answer.json()["access_token"]
            return token

        def session_on_other(token: str) -> int:
            return http.get(f"{other}/api/auth/session", headers={"Authorization": f"Bearer {token}"}).status_code

        # Sign-out in one process; the other had the session cached (it answered twice).
        token = sign_in()
        assert session_on_other(token) == 200 and session_on_other(token) == 200
        assert http.post(f"{one}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
        assert refused_within(lambda: session_on_other(token), 1.0) < 1.0

        # A password change signs out the other sessions, in every process.
        current, other_session = sign_in(), sign_in()
        assert session_on_other(other_session) == 200 and session_on_other(current) == 200
        changed = http.post(
            f"{one}/api/me/password",
            headers={"Authorization": f"Bearer {current}"},
            json={"current_password": password, "new_password": "another-Passw0rd"},
        )
        assert changed.status_code == 204, changed.text
        assert refused_within(lambda: session_on_other(other_session), 1.0) < 1.0
        assert session_on_other(current) == 200  # the session that changed it goes on

        # The employee list, cached by the other process, follows a change made through this one.
        auth = {"Authorization": f"Bearer {current}"}

        def names_on_other() -> set[str]:
            page = http.get(f"{other}/api/employees?limit=100", headers=auth)
            assert page.status_code == 200, page.text
            return {e["full_name"] for e in page.json()["items"]}

        before = names_on_other()
        assert names_on_other() == before  # now cached
        someone = http.get(f"{one}/api/employees?limit=1&sort=full_name", headers=auth).json()["items"][0]
        renamed = http.patch(
            f"{one}/api/employees/{someone['id']}", headers=auth, json={"full_name": "Переименованный"}
        )
        assert renamed.status_code == 200, renamed.text
        started = time.monotonic()
        while "Переименованный" not in names_on_other():
            assert time.monotonic() - started < 1.0, "the other process still lists the old name"
            time.sleep(0.02)
        # ... and a change made through the same process is listed by it at once.
        again = http.patch(f"{other}/api/employees/{someone['id']}", headers=auth, json={"full_name": "Снова другой"})
        assert again.status_code == 200 and "Снова другой" in names_on_other()

        # A suspension by the operator refuses every session of the tenant.
        tenant_id = http.get(f"{other}/api/auth/session", headers={"Authorization": f"Bearer {current}"}).json()[
            "tenant_id"
        ]
        suspended = http.post(
            f"{one}/api/operator/tenants/{tenant_id}/suspend", headers={"Authorization": f"Bearer {OPERATOR}"}
        )
        assert suspended.status_code == 200, suspended.text
        assert refused_within(lambda: session_on_other(current), 1.0) < 1.0
