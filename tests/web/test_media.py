"""The media library: MP3 uploads checked and converted, standard recordings, media chains."""

import asyncio
import io
import wave
from pathlib import Path

import pytest
from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.core.media.audio import decode_wav, loudness_dbfs
from vats.core.media.standard import STANDARD, standard_path

from tests.media_samples import mp3_tone


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_standard_media_are_8khz_mono_and_not_silent(name: str) -> None:
    path = standard_path(name)
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert 2 <= w.getnframes() / 8000 <= 30
    assert loudness_dbfs(decode_wav(path)) > -35


async def upload(client, name: str, data: bytes, filename: str = "a.mp3"):  # type: ignore[no-untyped-def]
    return await client.post("/api/media/files", data={"name": name}, files={"file": (filename, data, "audio/mpeg")})


async def test_upload_converts_to_wav_and_chains_use_it(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await upload(admin, "Приветствие", mp3_tone(seconds=2.0))
    assert r.status_code == 201, r.text
    recording = r.json()
    assert 1900 <= recording["duration_ms"] <= 2200
    stored = vats_kernel.config.media_dir / str(vats_tenant.tenant_id) / f"{recording['id']}.wav"
    with wave.open(str(stored)) as w:
        assert (w.getframerate(), w.getnchannels()) == (8000, 1)
    audio = await admin.get(f"/api/media/files/{recording['id']}/audio")
    assert audio.headers["content-type"] == "audio/wav" and audio.content == stored.read_bytes()
    listed = (await admin.get("/api/media/files")).json()
    assert listed["total"] == 1 + len(STANDARD) and any(f["id"] == "standard:greeting" for f in listed["items"])
    chain = await admin.post(
        "/api/media",
        json={"name": "Приветствие и музыка", "items": [
            {"type": "file", "file_id": recording["id"]}, {"type": "pause", "ms": 500}, {"type": "file", "file_id": "standard:hold_music"}]},
    )  # fmt: skip
    assert chain.status_code == 201, chain.text
    assert chain.json()["duration_ms"] == recording["duration_ms"] + 500 + 12000
    # the recording is in use: deleting it is refused, forced it leaves the chain
    refused = await admin.delete(f"/api/media/files/{recording['id']}")
    assert refused.status_code == 409 and refused.json()["references"][0]["kind"] == "media"
    assert (await admin.delete(f"/api/media/files/{recording['id']}", params={"force": "true"})).status_code == 200
    assert not stored.exists()
    left = (await admin.get(f"/api/media/{chain.json()['id']}")).json()
    assert [p["type"] for p in left["items"]] == ["pause", "file"] and left["duration_ms"] == 12500


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"ID3" + b"\x00" * 2000, "not an MP3"),
        (b"RIFF" + b"\x00" * 5000, "not an MP3"),
        (
            mp3_tone(0.5)[: len(mp3_tone(0.5)) // 8] + b"garbage" * 10,
            None,
        ),  # truncated: decodes what is there, or refused
    ],
)
async def test_broken_or_foreign_files_are_refused(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated, data: bytes, message: str | None
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await upload(admin, "Плохой", data)
    if message is None:
        assert r.status_code in (201, 422)
        return
    assert r.status_code == 422 and r.json()["field"] == "file" and message in r.json()["detail"]
    media_dir: Path = vats_kernel.config.media_dir
    assert not await asyncio.to_thread(lambda: list(media_dir.glob("**/*.wav")))  # nothing written


async def test_a_wav_upload_is_refused_even_though_it_is_audio(
    vats_api: ApiClients, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\x10\x20" * 8000)
    r = await upload(admin, "WAV", buffer.getvalue(), "a.wav")
    assert r.status_code == 422 and r.json()["field"] == "file"


async def test_files_over_10_mb_are_refused(vats_api: ApiClients, vats_tenant: TenantCreated) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await upload(admin, "Большой", b"\xff\xfb" + b"\x00" * (10 * 1024 * 1024 + 10))
    assert r.status_code in (413, 422)
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"type": "pause", "ms": 10}], "items[0].ms"),
        ([{"type": "file", "file_id": "standard:nope"}], "items[0].file_id"),
        ([{"type": "file", "file_id": "00000000-0000-0000-0000-000000000000"}], "items[0].file_id"),
        ([{"type": "beep"}], "items[0]"),
    ],
)
async def test_bad_chains_are_refused_naming_the_part(
    vats_api: ApiClients, vats_tenant: TenantCreated, items: list[object], field: str
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    r = await admin.post("/api/media", json={"name": "Плохая", "items": items})
    assert r.status_code in (400, 404, 422), r.text
    assert r.json()["field"].startswith(field)
    assert (await admin.get("/api/media")).json()["total"] == 0
