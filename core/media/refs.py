"""Media references: the one parser of the strings that name something to play.

A reference is one of
* ``standard:<name>``: a recording shipped with vats (``vats.core.media.standard``);
* the id of a media chain (recordings and pauses, the ``media`` table), as scenarios name it;
* the id of an uploaded recording (``media_files``), as a chain's file part names it.

Asterisk plays files from the shared media folder, named without their extension:
``<media dir>/standard/<name>`` for a standard recording (copied there at start-up) and
``<media dir>/<tenant>/<file id>`` for an uploaded one; a pause is Asterisk's ``silence/<s>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

STANDARD_PREFIX = "standard:"


def standard_ref(name: str) -> str:
    """The reference to the standard recording ``name``."""
    return STANDARD_PREFIX + name


def standard_name(ref: str) -> str | None:
    """The standard recording a reference names, or None when it names the tenant's own media."""
    return ref[len(STANDARD_PREFIX) :] if ref.startswith(STANDARD_PREFIX) else None


def library_id(ref: str) -> uuid.UUID | None:
    """The id of the tenant's chain or recording a reference names, or None when it names none."""
    if ref.startswith(STANDARD_PREFIX):
        return None
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def played_file(media_dir: Path, tenant_id: uuid.UUID | str, file_id: str) -> str:
    """The file Asterisk plays for a recording (a file part's ``file_id``): absolute, no extension."""
    name = standard_name(file_id)
    if name is not None:
        return str(media_dir / "standard" / name)
    return str(media_dir / str(tenant_id) / file_id)


def chain_files(media_dir: Path, tenant_id: uuid.UUID | str, parts: Iterable[Mapping[str, Any]]) -> list[str]:
    """The recordings of a chain (its stored parts), pauses left out: music on hold loops them."""
    return [played_file(media_dir, tenant_id, p["file_id"]) for p in parts if p.get("type") == "file"]


def played_files(
    ref: str, media_dir: Path, tenant_id: uuid.UUID | str, chains: Mapping[str, Iterable[Mapping[str, Any]]]
) -> list[str]:
    """What Asterisk plays for a reference, in order: files and ``silence/<seconds>`` for pauses.
    ``chains`` maps a chain's id to its stored parts; a reference to nothing plays nothing."""
    if standard_name(ref) is not None:
        return [played_file(media_dir, tenant_id, ref)]
    chain = chains.get(ref)
    if chain is None:
        return []
    return [
        played_file(media_dir, tenant_id, part["file_id"])
        if part.get("type") == "file"
        else f"silence/{max(1, round(part.get('ms', 1000) / 1000))}"
        for part in chain
    ]
