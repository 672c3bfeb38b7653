"""Cached answers of the cabinet's busiest reads, never older than the tenant's data.

A route opts in with Litestar's own ``cache=True`` (e.g. the employee list, which PostgreSQL
needs about 1.3 ms of CPU to build for 100 employees). The cache key holds the caller's tenant
and employee (so visibility rules need no thought), the path and query, and the version of the
tenant's data (``SessionCache.tenant_version``): every change PostgreSQL notifies on
``vats_config`` (employees, terminals, groups, absences, ...) and every write through this
process's API make a new version, so an answer cached before a change is never served after
it, in any process. Nothing is cached while the notifications cannot be heard, nor for a
caller who is not signed in. Entries live a minute at most in a bounded in-memory store.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from datetime import timedelta
from typing import Any, cast

from litestar import Request
from litestar.config.response_cache import ResponseCacheConfig
from litestar.stores.base import Store
from litestar.types import HTTPScope
from vats.core.accounts.service import Principal
from vats.core.kernel import Kernel

STORE = "vats_response_cache"
MAX_ENTRIES = 1000
LIFETIME_S = 60
_PINNED = "vats.cache_key"


class BoundedMemoryStore(Store):
    """In-memory, least recently used out first once full, entries expire (Litestar's
    MemoryStore never drops an entry nobody reads again, and old versions are never read)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    @staticmethod
    def _deadline(expires_in: int | timedelta | None) -> float | None:
        if expires_in is None:
            return None
        seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
        return time.monotonic() + seconds

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        self._data[key] = (value.encode() if isinstance(value, str) else value, self._deadline(expires_in))
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        value, deadline = entry
        if deadline is not None and time.monotonic() >= deadline:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        if renew_for is not None:
            self._data[key] = (value, self._deadline(renew_for))
        return value

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def delete_all(self) -> None:
        self._data.clear()

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        entry = self._data.get(key)
        if entry is None or entry[1] is None:
            return None
        return max(0, int(entry[1] - time.monotonic()))


def response_cache_config(kernel: Kernel) -> ResponseCacheConfig:
    def key(request: Request[Any, Any, Any]) -> str:
        # Litestar builds the key again to store the answer; the version must stay the one the
        # request began with, or an answer read before a change would be kept under the new one.
        scope = cast(dict[str, Any], request.scope)
        if (pinned := scope.get(_PINNED)) is not None:
            return cast(str, pinned)
        scope[_PINNED] = built = _build(request)
        return built

    def _build(request: Request[Any, Any, Any]) -> str:
        user = request.scope.get("user")
        version = (
            kernel.sessions.tenant_version(user.tenant_id)
            if kernel.sessions is not None and isinstance(user, Principal)
            else None
        )
        if version is None or not isinstance(user, Principal):
            return f"uncached:{uuid.uuid4()}"  # a key never read again (and not stored: see below)
        query = request.scope.get("query_string", b"").decode("latin-1")
        return f"{user.tenant_id}:{version}:{user.employee_id}:{request.url.path}?{query}"

    def keep(scope: HTTPScope, status: int) -> bool:
        user = scope.get("user")
        return (
            200 <= status < 300
            and isinstance(user, Principal)
            and kernel.sessions is not None
            and kernel.sessions.tenant_version(user.tenant_id) is not None
        )

    return ResponseCacheConfig(default_expiration=LIFETIME_S, key_builder=key, store=STORE, cache_response_filter=keep)
