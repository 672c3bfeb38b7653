"""Where a phone number is from, as the routing engine's region filters need it.

The answer comes from plugins through the ``lookup_region`` hook (the default one knows
Russia's numbering plan); ``Kernel.lookup_region`` asks them.
"""

from __future__ import annotations

import msgspec


class CallerRegion(msgspec.Struct, frozen=True, kw_only=True):
    """A number's region: the federal subjects (ISO 3166-2 codes, e.g. ["RU-MOW", "RU-MOS"]),
    the name as the source wrote it, the operator if known, and where the answer came from."""

    subjects: list[str]
    name: str
    operator: str | None = None
    source: str = ""
