"""Paging, filtering and sorting for the directory's smaller lists (groups, schedules,
calendars, numbers, tags: tens to hundreds per PBX, read whole from the database and cut
here). The employee list, the big one, pages in SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter
from vats.core.errors import ValidationError

T = TypeVar("T")

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="items to skip")]
Search = Annotated[str | None, QueryParameter(max_length=100, description="text to look for")]
Sort = Annotated[str | None, QueryParameter(max_length=40, description="field to sort by; '-' for descending")]


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a list and the number of items matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(
    items: Sequence[T],
    *,
    limit: int,
    offset: int,
    q: str | None,
    searchable: Callable[[T], Sequence[str | None]],
    sort: str | None,
    sorts: dict[str, Callable[[T], Any]],
) -> Page[T]:
    """Filter by ``q`` (case-insensitive, in any searchable field), sort, and cut a page."""
    chosen = list(items)
    if q:
        needle = q.casefold()
        chosen = [i for i in chosen if any(needle in (v or "").casefold() for v in searchable(i))]
    if sort:
        key = sorts.get(sort.lstrip("-"))
        if key is None:
            allowed = ", ".join(sorted(sorts))
            raise ValidationError(f"sort is one of {allowed} (with '-' for descending)", field="sort")
        chosen.sort(key=key, reverse=sort.startswith("-"))
    return Page(items=chosen[offset : offset + limit], total=len(chosen), limit=limit, offset=offset)
