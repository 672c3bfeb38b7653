"""Choosing a source and refusing oversized files before a byte of them is parsed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from vats.core.errors import ValidationError
from vats.core.migration_export import ExportSource, OldCustomer, SourceError

DEFAULT_LIMIT_MB = 50


def choose(sources: Sequence[ExportSource], name: str) -> ExportSource:
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(sorted(s.name for s in sources))
    raise ValidationError(f"no migration source {name!r} (known: {known})", field="source")


def check_size(path: Path, limit_mb: float) -> None:
    """Refuse a file over the operator's limit, naming it, before any parsing."""
    size = path.stat().st_size
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(
            f"{path} is {size / 1024 / 1024:.1f} MB, over the limit of {limit_mb:g} MB (--max-size-mb)", field="file"
        )


def customers(source: ExportSource, paths: Sequence[Path], limit_mb: float) -> Iterator[tuple[Path, OldCustomer]]:
    """Every customer of every file, streamed; every file's size is checked before the first
    one is parsed, so an oversized file in the list stops the run before anything is read."""
    for path in paths:
        if not path.is_file():
            raise ValidationError(f"{path} is not a file", field="file")
        check_size(path, limit_mb)
    for path in paths:
        try:
            for customer in source.read(path):
                yield path, customer
        except SourceError as exc:
            raise SourceError(f"{path}: {exc.place}", exc.message) from None
