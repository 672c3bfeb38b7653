"""Media references: one parser for ``standard:<name>``, chains and uploaded recordings."""

from __future__ import annotations

import uuid
from pathlib import Path

from vats.core.media import refs
from vats.core.media.standard import STANDARD

TENANT = uuid.UUID(int=7)
MEDIA = Path("/srv/media")


def test_a_standard_reference_plays_the_shared_copy_of_that_recording() -> None:
    assert refs.played_files("standard:greeting", MEDIA, TENANT, {}) == ["/srv/media/standard/greeting"]
    assert all(refs.standard_name(refs.standard_ref(name)) == name for name in STANDARD)


def test_a_chain_plays_its_recordings_and_pauses_in_order() -> None:
    upload = str(uuid.uuid4())
    chain = [
        {"type": "file", "file_id": "standard:greeting"},
        {"type": "pause", "ms": 1400},
        {"type": "file", "file_id": upload},
        {"type": "pause", "ms": 100},  # shorter than a second: Asterisk's silence is whole seconds
    ]
    assert refs.played_files("c1", MEDIA, TENANT, {"c1": chain}) == [
        "/srv/media/standard/greeting", "silence/1", f"/srv/media/{TENANT}/{upload}", "silence/1",
    ]  # fmt: skip
    assert refs.chain_files(MEDIA, TENANT, chain) == ["/srv/media/standard/greeting", f"/srv/media/{TENANT}/{upload}"]


def test_a_reference_to_nothing_plays_nothing_and_names_no_library_item() -> None:
    assert refs.played_files(str(uuid.uuid4()), MEDIA, TENANT, {}) == []
    assert refs.library_id("standard:greeting") is None
    assert refs.library_id("not an id") is None
    assert refs.standard_name("greeting") is None
