"""A cabinet form's refusal, the same way on every page: the service's ``VatsError`` becomes
the page again (status 422) with the problem's text beside the input its ``field`` names, in the
page's language, and the posted values kept in the inputs; nothing was saved (the service's
transaction rolled back).

A page's template reads four keys, which ``form_context`` gives defaults: ``errors`` (input
name → problem text), ``values`` (what was posted), ``notice`` (a line saying what was done)
and ``failed`` (which of the page's forms the problem is in, where it has several)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vats.bots.web.cabinet.texts import Lang, problem_text
from vats.core.errors import VatsError

REFUSED = 422  # the status of a page shown again with a form's problem


def form_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with the form keys a template reads given their defaults (fresh each time)."""
    return {"errors": {}, "values": {}, "notice": "", "failed": "", **context}


def refusal(
    lang: Lang,
    exc: VatsError,
    default_field: str,
    form: Mapping[str, str],
    failed: str = "",
    inputs: Mapping[str, str] | None = None,
    say: Callable[[Lang, str], str] = problem_text,
) -> dict[str, Any]:
    """The context of a page shown again after ``exc``: its text under the input it names
    (``default_field`` when it names none; ``inputs`` maps a service's field to the page's
    input where the two differ), what was posted, and which form failed. ``say`` translates
    the service's message (the catalogue's ``problem_text`` unless an area has its own)."""
    field = exc.field or default_field
    if inputs:
        field = inputs.get(field, field)
    return {"errors": {field: say(lang, exc.message)}, "values": dict(form), "failed": failed}
