"""What a billing plugin answers before a paid call starts (the ``call_budget`` hook)."""

from __future__ import annotations

import msgspec


class CallBudget(msgspec.Struct, frozen=True, kw_only=True):
    """May the call go out, and for how long.

    ``allowed`` False: refused (``why`` says so, e.g. "insufficient funds"); the caller hears
    the standard media ``media`` (a name from ``vats.core.media.standard``). ``max_s``: the
    longest talk time paid for (Asterisk hangs up then); None: no limit (a free destination).
    """

    allowed: bool
    why: str
    max_s: int | None = None
    media: str = "insufficient_funds"
