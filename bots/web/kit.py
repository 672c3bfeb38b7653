"""The cabinet API's contract with plugins: what a route handler may ask for, and the shapes of
its lists. A plugin that returns routes from ``register_routes`` imports this module only (and
the kernel); docs/plugins.md, "The web kit", shows it at work.

What a handler may ask for, by naming a parameter (provided once, on the app: ``DEPENDENCIES``):

* ``tx: TenantDep``: a :class:`TenantScope`, the signed-in employee's tenant inside one
  transaction: ``tx.kernel``, ``tx.conn`` (the connection, scoped to the tenant by row-level
  security), ``tx.tenant`` and ``tx.me`` (the :class:`Principal`). The transaction begins
  before the handler runs and commits after it returns and its answer is encoded; if the
  handler (or the encoding) raises, it rolls back. (Litestar reserves the name ``scope`` for
  the ASGI scope, hence ``tx``.)
* ``me: MeDep``: the signed-in :class:`Principal` (tenant, employee, role), with no
  transaction, for handlers that call a kernel service which opens its own, and
  ``kernel: KernelDep``. :func:`tenant_transaction` opens a ``TenantScope`` by hand, for work
  that must not hold the handler's connection (a streamed answer, a simulation).
* ``operator: OperatorDep``: an :class:`OperatorScope`, for operator routes (``opt=OPERATOR``),
  which act across tenants and so get no tenant transaction.

Who may call a route is its ``opt={"roles": ...}``: one of the role sets below; absent, any
signed-in employee may (the handler then filters rows). Lists answer a :class:`Page`, taking
``limit: Limit``, ``offset: Offset`` and, where they search or sort, ``q: Search`` and
``sort: Sort``; :func:`paginate` cuts a page from a short list read whole. Errors are
:mod:`vats.core.errors` exceptions; the app answers them as RFC 9457 problem details, and
the OpenAPI document lists them (bots/web/openapi.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Final, Generic, TypeVar

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import QueryParameter, SkipValidation
from vats.core.accounts.service import Principal
from vats.core.db.database import Connection
from vats.core.directory.models import Tenant
from vats.core.directory.tenants import load_tenant
from vats.core.errors import ValidationError
from vats.core.operators.actions import OperatorActions
from vats.core.operators.audit import BY_TOKEN, Actor
from vats.core.protocols import KernelAPI

__all__ = [
    "ADMIN",
    "DEPENDENCIES",
    "EVERYONE",
    "MANAGERS",
    "OPERATOR",
    "WORKERS",
    "KernelDep",
    "Limit",
    "MeDep",
    "Offset",
    "OperatorDep",
    "OperatorScope",
    "Page",
    "Principal",
    "Search",
    "Sort",
    "TenantDep",
    "TenantScope",
    "kernel_of",
    "paginate",
    "tenant_transaction",
]

T = TypeVar("T")

# --- who may call a route: opt={"roles": ...} --------------------------------------------

ADMIN: Final = frozenset({"admin"})
MANAGERS: Final = frozenset({"admin", "head"})
WORKERS: Final = frozenset({"admin", "head", "user"})  # everyone but restricted users
EVERYONE: Final = frozenset({"admin", "head", "user", "restricted"})

OPERATOR: Final[dict[str, Any]] = {"exclude_from_auth": True, "operator": True}
"""A route's ``opt`` for the operator API: the operator's bearer token, not an employee's JWT."""

# --- lists ----------------------------------------------------------------------------------

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
    """Filter by ``q`` (case-insensitive, in any searchable field), sort, and cut a page.

    For short lists (tens to hundreds per PBX) read whole; long ones page in SQL."""
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


# --- what a handler may ask for ----------------------------------------------------------


def kernel_of(connection: ASGIConnection[Any, Any, Any, Any]) -> KernelAPI:
    """The running kernel, for code that has the connection but is not a handler (guards)."""
    kernel: KernelAPI = connection.app.state.kernel
    return kernel


@dataclass(frozen=True, slots=True)
class TenantScope:
    """The signed-in employee's tenant, inside one transaction."""

    kernel: KernelAPI
    conn: Connection
    tenant: Tenant
    me: Principal


@dataclass(frozen=True, slots=True)
class OperatorScope:
    """What an operator route works with. The operator acts across tenants, so there is no
    tenant transaction. ``actor`` is who acts: the API's routes take the bearer token, which
    acts (and is audited) as ``token``; the operator portal acts as the signed-in account."""

    kernel: KernelAPI
    actor: Actor = BY_TOKEN

    @property
    def actions(self) -> OperatorActions:
        """The operator's actions (core/operators/actions.py), each recorded with ``actor``."""
        kernel = self.kernel
        return OperatorActions(kernel.db, kernel.directory, kernel.accounts.sessions, self.actor)

    def system(self) -> AbstractAsyncContextManager[Connection]:
        """A transaction that sees every tenant's rows (operator work only)."""
        assert self.kernel.db is not None
        return self.kernel.db.system()


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("sign in first")
    return user


@asynccontextmanager
async def tenant_transaction(kernel: KernelAPI, me: Principal) -> AsyncIterator[TenantScope]:
    """A transaction in ``me``'s tenant, for work a handler must do outside its own ``tx``
    (e.g. a streamed answer, which is sent after the handler's transaction has ended)."""
    assert kernel.db is not None
    async with kernel.db.tenant(me.tenant_id) as conn:
        yield TenantScope(kernel=kernel, conn=conn, tenant=await load_tenant(conn, me.tenant_id), me=me)


async def provide_tenant_scope(request: Request[Any, Any, Any]) -> AsyncIterator[TenantScope]:
    # Litestar throws the handler's exception into this generator, so the transaction rolls back
    # on error; on success the generator is resumed after the answer is encoded, and it commits.
    async with tenant_transaction(kernel_of(request), signed_in(request)) as scope:
        yield scope


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return signed_in(request)


async def provide_kernel(request: Request[Any, Any, Any]) -> KernelAPI:
    return kernel_of(request)


async def provide_operator_scope(request: Request[Any, Any, Any]) -> OperatorScope:
    return OperatorScope(kernel=kernel_of(request))


# What a handler writes: ``tx: TenantDep``, ``me: MeDep``, ``kernel: KernelDep``,
# ``operator: OperatorDep``. The parameter's name picks the dependency; the annotation tells
# Litestar it is one (inferring it from the name alone is deprecated) and that the value, built
# by us, needs no validation.
TenantDep = NamedDependency[SkipValidation[TenantScope]]
MeDep = NamedDependency[SkipValidation[Principal]]
KernelDep = NamedDependency[SkipValidation[KernelAPI]]
OperatorDep = NamedDependency[SkipValidation[OperatorScope]]

DEPENDENCIES: Final = {
    "tx": Provide(provide_tenant_scope),
    "me": Provide(provide_principal),
    "kernel": Provide(provide_kernel),
    "operator": Provide(provide_operator_scope),
}
"""Registered once on the app (``Litestar(dependencies=DEPENDENCIES)``)."""
