"""`vats serve` over HTTPS: a self-signed certificate made once for a LAN (and reused), the
operator's own certificate, the cabinet's session cookie marked Secure; behind a reverse proxy,
X-Forwarded-Proto is believed from VATS_TRUSTED_PROXIES only. Bad TLS settings stop the start
with one line naming the setting."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
from vats.core.config import Config
from vats.core.tls import certificate_names, make_self_signed

from tests.serve import serving

TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def demo_admin(startup: str) -> tuple[str, str]:
    match = re.search(r"Admin log-in: (\S+) password: (\S+)", startup)
    assert match, startup
    return match.group(1), match.group(2)


def sign_in(client: httpx.Client, email: str, password: str, headers: dict[str, str] | None = None) -> httpx.Response:
    token = TOKEN.search(client.get("/signin", headers=headers).text)
    assert token
    return client.post(
        "/signin", data={"email": email, "password": password, "_csrf_token": token.group(1)}, headers=headers
    )


def session_cookie_header(response: httpx.Response) -> str:
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith("vats_session=")]
    return cookie.lower()


def test_self_signed_https_serves_the_cabinet_with_a_secure_cookie_and_keeps_its_certificate(
    tmp_path: Path, vats_database_url: str
) -> None:
    env = {"VATS_TLS": "self-signed", "VATS_TLS_NAMES": "pbx.lan,192.168.77.10", "VATS_AGI_PORT": "0"}
    with serving(tmp_path, database_url=vats_database_url, env=env) as served:
        base = f"https://127.0.0.1:{served.port}"
        assert f"vats is serving on https://127.0.0.1:{served.port}" in served.startup_text
        cert = tmp_path / "tls" / "cert.pem"
        assert (tmp_path / "tls" / "key.pem").stat().st_mode & 0o077 == 0  # the key is the owner's only
        with httpx.Client(base_url=base, verify=ssl.create_default_context(cafile=str(cert)), timeout=20) as client:
            assert client.get("/health").json()["status"] == "ok"
            email, password = demo_admin(served.startup_text)
            signed_in = sign_in(client, email, password)
            assert signed_in.status_code == 303
            cookie = session_cookie_header(signed_in)
            assert "secure" in cookie and "httponly" in cookie
        # Plain HTTP on the HTTPS port gets nothing served.
        try:
            plain = httpx.get(f"http://127.0.0.1:{served.port}/health", timeout=5)
            assert plain.status_code >= 400
        except httpx.TransportError:
            pass
        first = cert.read_bytes()
    # The certificate names every address it must, and a second start keeps it (browsers that
    # accepted it are not asked again).
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(cert)], capture_output=True, text=True)
    if text.returncode == 0:
        assert "DNS:pbx.lan" in text.stdout and "IP Address:192.168.77.10" in text.stdout
    with serving(tmp_path, database_url=vats_database_url, env=env):
        assert cert.read_bytes() == first


def test_the_operators_certificate_is_served_as_given(tmp_path: Path, vats_database_url: str) -> None:
    cert, key = tmp_path / "operator-cert.pem", tmp_path / "operator-key.pem"
    make_self_signed(cert, key, ["localhost", "127.0.0.1"])
    env = {"VATS_TLS_CERT": str(cert), "VATS_TLS_KEY": str(key), "VATS_AGI_PORT": "0"}
    with serving(tmp_path / "data", database_url=vats_database_url, env=env) as served:
        context = ssl.create_default_context(cafile=str(cert))
        assert httpx.get(f"https://localhost:{served.port}/health", verify=context, timeout=20).status_code == 200
    assert not (tmp_path / "data" / "tls").exists()  # nothing self-signed was made


def test_forwarded_proto_is_believed_from_trusted_proxies_only(tmp_path: Path, vats_database_url: str) -> None:
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}
    with serving(tmp_path, database_url=vats_database_url, env={"VATS_AGI_PORT": "0"}) as served:
        email, password = demo_admin(served.startup_text)
        with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=20) as client:
            assert "secure" in session_cookie_header(sign_in(client, email, password, https))  # 127.0.0.1 is trusted
    with serving(
        tmp_path, database_url=vats_database_url, env={"VATS_AGI_PORT": "0", "VATS_TRUSTED_PROXIES": "10.9.9.9"}
    ) as served:
        with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=20) as client:
            cookie = session_cookie_header(sign_in(client, email, password, https))
            assert "secure" not in cookie  # a client cannot claim HTTPS it does not have


def test_bad_tls_settings_stop_the_start_in_one_line(tmp_path: Path) -> None:
    cases = [
        ({"VATS_TLS": "yes"}, "VATS_TLS"),
        ({"VATS_TLS_CERT": str(tmp_path / "cert.pem")}, "VATS_TLS_KEY"),
        ({"VATS_TLS_CERT": str(tmp_path / "none.pem"), "VATS_TLS_KEY": str(tmp_path / "none.key")}, "VATS_TLS_CERT"),
        ({"VATS_TRUSTED_PROXIES": "proxy.lan"}, "VATS_TRUSTED_PROXIES"),
    ]
    for extra, named in cases:
        env = {**os.environ, "VATS_DATA_DIR": str(tmp_path / "data"), **extra}
        done = subprocess.run(
            [sys.executable, "-m", "vats.bots.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (extra, done.stderr)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and named in errors[0], (extra, done.stderr)


def test_a_self_signed_certificate_covers_this_host_and_the_names_asked_for() -> None:
    config = Config.from_env({"VATS_HOST": "0.0.0.0", "VATS_TLS_NAMES": "PBX.lan, 10.0.0.5"})
    names = certificate_names(config)
    assert {"localhost", "127.0.0.1", "pbx.lan", "10.0.0.5"} <= set(names) and "0.0.0.0" not in names
