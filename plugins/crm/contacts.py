"""Contacts: every caller becomes one ("not saved"); saving makes it a business contact
(company, personal manager) or a personal one (admins only). Tags, bulk operations, CSV
import with a per-row report, CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

from msgspec import UNSET
from vats.core.db.database import Connection
from vats.core.directory.validation import normalise_phone
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.plugins.crm.models import (
    BulkContacts,
    Contact,
    ContactIn,
    ContactUpdate,
    ImportReport,
    ImportRowError,
)


class Forbidden(VatsError):
    status = 403
    title = "Forbidden"


COLUMNS = "c.id, c.number, c.name, c.kind, c.company, c.manager_id, c.created_at"
TAGS = (
    "coalesce((SELECT array_agg(t.tag_id ORDER BY t.tag_id) FROM crm_contact_tags t"
    " WHERE t.tenant_id = c.tenant_id AND t.contact_id = c.id), '{}') AS tag_ids"
)


def _contact(r: Any) -> Contact:
    return Contact(
        id=r["id"], number=r["number"], name=r["name"], kind=r["kind"], company=r["company"],
        manager_id=r["manager_id"], tag_ids=list(r["tag_ids"]), created_at=r["created_at"],
    )  # fmt: skip


async def get(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, *, admin: bool) -> Contact:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS}, {TAGS} FROM crm_contacts c WHERE c.tenant_id = $1 AND c.id = $2", tenant_id, contact_id
    )
    if row is None or (row["kind"] == "personal" and not admin):
        raise NotFoundError("no such contact", field="contact_id")
    return _contact(row)


async def by_number(conn: Connection, tenant_id: uuid.UUID, number: str) -> Any:
    return await conn.fetchrow(
        "SELECT id, name, kind, manager_id FROM crm_contacts WHERE tenant_id = $1 AND number = $2", tenant_id, number
    )


async def listing(
    conn: Connection,
    tenant_id: uuid.UUID,
    *,
    admin: bool,
    q: str | None,
    kind: str | None,
    tag_id: uuid.UUID | None,
    manager_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Contact], int]:
    args: list[Any] = [tenant_id]
    where = ["c.tenant_id = $1"]
    if not admin:
        where.append("c.kind <> 'personal'")
    if kind:
        args.append(kind)
        where.append(f"c.kind = ${len(args)}")
    if q:
        args.append(f"%{q.casefold()}%")
        where.append(
            f"(lower(c.name) LIKE ${len(args)} OR c.number LIKE ${len(args)} OR lower(c.company) LIKE ${len(args)})"
        )
    if tag_id:
        args.append(tag_id)
        where.append(
            f"EXISTS (SELECT 1 FROM crm_contact_tags t WHERE t.tenant_id = c.tenant_id AND t.contact_id = c.id"
            f" AND t.tag_id = ${len(args)})"
        )
    if manager_id:
        args.append(manager_id)
        where.append(f"c.manager_id = ${len(args)}")
    condition = " AND ".join(where)
    total = await conn.fetchval(f"SELECT count(*) FROM crm_contacts c WHERE {condition}", *args)
    rows = await conn.fetch(
        f"SELECT {COLUMNS}, {TAGS} FROM crm_contacts c WHERE {condition}"
        f" ORDER BY c.created_at DESC, c.id LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return [_contact(r) for r in rows], int(total)


async def _check_manager(conn: Connection, tenant_id: uuid.UUID, manager_id: uuid.UUID | None, field: str) -> None:
    if manager_id is not None and not await conn.fetchval(
        "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, manager_id
    ):
        raise NotFoundError("no such employee", field=field)


async def _check_tags(conn: Connection, tenant_id: uuid.UUID, tag_ids: list[uuid.UUID], kind: str, field: str) -> None:
    if not tag_ids:
        return
    found = await conn.fetchval(
        "SELECT count(*) FROM tags WHERE tenant_id = $1 AND kind = $2 AND id = ANY($3::uuid[])",
        tenant_id, kind, list(set(tag_ids)),
    )  # fmt: skip
    if found != len(set(tag_ids)):
        raise NotFoundError(f"no such {kind} tag", field=field)


async def _set_tags(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, tag_ids: list[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM crm_contact_tags WHERE tenant_id = $1 AND contact_id = $2", tenant_id, contact_id)
    await conn.executemany(
        "INSERT INTO crm_contact_tags (tenant_id, contact_id, tag_id) VALUES ($1, $2, $3)",
        [(tenant_id, contact_id, t) for t in set(tag_ids)],
    )


async def default_manager(conn: Connection, tenant_id: uuid.UUID, settings: Any) -> uuid.UUID | None:
    """The tenant's default personal manager for newly saved contacts, if still an employee."""
    wanted = settings.personal_manager.default_employee_id
    if wanted is None:
        return None
    exists = await conn.fetchval("SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", tenant_id, wanted)
    return wanted if exists else None


async def create(
    conn: Connection, tenant_id: uuid.UUID, data: ContactIn, *, admin: bool, settings: Any
) -> tuple[Contact, bool]:
    """Save a contact by hand; an existing "not saved" contact of the number is saved instead.
    Returns (contact, created)."""
    number = normalise_phone(data.number, "number")
    if data.kind == "personal" and not admin:
        raise Forbidden("only admins keep personal contacts", field="kind")
    await _check_manager(conn, tenant_id, data.manager_id, "manager_id")
    await _check_tags(conn, tenant_id, data.tag_ids, "contact", "tag_ids")
    # Saving the same number twice at once: the second must see the first (409), not overwrite
    # it through the upsert below. Serialise the look-up and the write per number.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"crm_contact:{tenant_id}:{number}")
    existing = await by_number(conn, tenant_id, number)
    if existing is not None and existing["kind"] != "unsaved":
        raise_conflict(number)
    manager = data.manager_id
    if data.kind == "business" and manager is None:
        manager = (existing["manager_id"] if existing else None) or await default_manager(conn, tenant_id, settings)
    if data.kind == "personal":
        manager = None
    contact_id = await conn.fetchval(
        "INSERT INTO crm_contacts (tenant_id, number, name, kind, company, manager_id) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (tenant_id, number) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,"
        " company = EXCLUDED.company, manager_id = EXCLUDED.manager_id, updated_at = now() RETURNING id",
        tenant_id, number, data.name.strip(), data.kind, data.company.strip(), manager,
    )  # fmt: skip
    await _set_tags(conn, tenant_id, contact_id, data.tag_ids)
    await mark_calls_personal(conn, tenant_id, [contact_id], data.kind == "personal")
    return await get(conn, tenant_id, contact_id, admin=True), existing is None


def raise_conflict(number: str) -> None:
    from vats.core.errors import ConflictError

    raise ConflictError(f"{number} is already a saved contact", field="number")


async def update(
    conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID, data: ContactUpdate, *, admin: bool, settings: Any
) -> Contact:
    current = await get(conn, tenant_id, contact_id, admin=admin)
    if data.kind == "personal" and not admin:
        raise Forbidden("only admins keep personal contacts", field="kind")
    kind = current.kind if data.kind is UNSET else data.kind
    manager = current.manager_id if data.manager_id is UNSET else data.manager_id
    if data.manager_id is not UNSET:
        await _check_manager(conn, tenant_id, data.manager_id, "manager_id")
    if current.kind == "unsaved" and kind == "business" and manager is None:
        manager = await default_manager(conn, tenant_id, settings)  # saving: the default manager
    if kind == "personal":
        manager = None
    name = current.name if data.name is UNSET else data.name.strip()
    company = current.company if data.company is UNSET else data.company.strip()
    await conn.execute(
        "UPDATE crm_contacts SET name = $3, kind = $4, company = $5, manager_id = $6, updated_at = now()"
        " WHERE tenant_id = $1 AND id = $2",
        tenant_id, contact_id, name, kind, company, manager,
    )  # fmt: skip
    if data.tag_ids is not UNSET:
        await _check_tags(conn, tenant_id, data.tag_ids, "contact", "tag_ids")
        await _set_tags(conn, tenant_id, contact_id, data.tag_ids)
    if (kind == "personal") != (current.kind == "personal"):
        await mark_calls_personal(conn, tenant_id, [contact_id], kind == "personal")
    return await get(conn, tenant_id, contact_id, admin=True)


async def mark_calls_personal(
    conn: Connection, tenant_id: uuid.UUID, contact_ids: list[uuid.UUID], personal: bool
) -> None:
    """A contact's calls follow it: personal contacts' calls are for admins only."""
    await conn.execute(
        "UPDATE crm_calls SET personal = $3 WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND personal <> $3",
        tenant_id, contact_ids, personal,
    )  # fmt: skip


async def delete(conn: Connection, tenant_id: uuid.UUID, contact_id: uuid.UUID) -> None:
    done = await conn.execute("DELETE FROM crm_contacts WHERE tenant_id = $1 AND id = $2", tenant_id, contact_id)
    if done == "DELETE 0":
        raise NotFoundError("no such contact", field="contact_id")


async def bulk(conn: Connection, tenant_id: uuid.UUID, op: BulkContacts) -> int:
    """All or nothing: an unknown id refuses the whole operation."""
    ids = list(dict.fromkeys(op.contact_ids))
    found = await conn.fetchval(
        "SELECT count(*) FROM crm_contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])", tenant_id, ids
    )
    if found != len(ids):
        raise NotFoundError("some of the contacts do not exist", field="contact_ids")
    if op.action == "delete":
        await conn.execute("DELETE FROM crm_contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])", tenant_id, ids)
    elif op.action == "make_personal":
        await conn.execute(
            "UPDATE crm_contacts SET kind = 'personal', manager_id = NULL, updated_at = now()"
            " WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
            tenant_id, ids,
        )  # fmt: skip
        await mark_calls_personal(conn, tenant_id, ids, True)
    elif op.action == "set_company":
        if op.company is None or not op.company.strip():
            raise ValidationError("the company to set", field="company")
        await conn.execute(
            "UPDATE crm_contacts SET company = $3, kind = CASE WHEN kind = 'unsaved' THEN 'business' ELSE kind END,"
            " updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND kind <> 'personal'",
            tenant_id, ids, op.company.strip(),
        )  # fmt: skip
    else:  # set_manager
        if op.manager_id is None:
            raise ValidationError("the employee to make personal manager", field="manager_id")
        await _check_manager(conn, tenant_id, op.manager_id, "manager_id")
        await conn.execute(
            "UPDATE crm_contacts SET manager_id = $3, kind = CASE WHEN kind = 'unsaved' THEN 'business' ELSE kind END,"
            " updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND kind <> 'personal'",
            tenant_id, ids, op.manager_id,
        )  # fmt: skip
    return len(ids)


async def add_tag(
    conn: Connection, tenant_id: uuid.UUID, contact_ids: list[uuid.UUID], tag_id: uuid.UUID, *, admin: bool
) -> int:
    """Add one contact tag to many contacts, keeping their other tags (the list page's "add a
    tag"). All or nothing: a contact the caller may not see (personal ones, for non-admins)
    refuses the whole operation. Written as one insert that skips tags already there, so two
    people adding different tags at once both keep theirs (no read-modify-write)."""
    ids = list(dict.fromkeys(contact_ids))
    await _check_tags(conn, tenant_id, [tag_id], "contact", "tag_id")
    found = await conn.fetchval(
        "SELECT count(*) FROM crm_contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
        " AND ($3 OR kind <> 'personal')",
        tenant_id, ids, admin,
    )  # fmt: skip
    if found != len(ids):
        raise NotFoundError("some of the contacts do not exist", field="contact_ids")
    await conn.execute(
        "INSERT INTO crm_contact_tags (tenant_id, contact_id, tag_id) SELECT $1, c, $3 FROM unnest($2::uuid[]) AS c"
        " ON CONFLICT DO NOTHING",
        tenant_id, ids, tag_id,
    )  # fmt: skip
    return len(ids)


# --- CSV ----------------------------------------------------------------------------------

CSV_FIELDS = ["number", "name", "company", "manager_email", "tags"]
MAX_IMPORT_ROWS = 50_000


async def import_csv(conn: Connection, tenant_id: uuid.UUID, text: str, settings: Any) -> ImportReport:
    """Business contacts from CSV (header: number,name,company,manager_email,tags; tags split
    by ';'). Every row is checked first: bad rows are reported and skipped, valid rows are
    written, and a row is never half-written (its contact and tags go in together)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "number" not in [f.strip() for f in reader.fieldnames]:
        raise ValidationError("the first line must be a header with at least a 'number' column", field="file")
    emails = {
        r["email"].casefold(): r["id"]
        for r in await conn.fetch("SELECT id, email FROM employees WHERE tenant_id = $1", tenant_id)
    }
    tags = {
        r["name"].casefold(): r["id"]
        for r in await conn.fetch("SELECT id, name FROM tags WHERE tenant_id = $1 AND kind = 'contact'", tenant_id)
    }
    default = await default_manager(conn, tenant_id, settings)
    errors: list[ImportRowError] = []
    valid: dict[str, tuple[str, str, uuid.UUID | None, list[uuid.UUID]]] = {}
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_IMPORT_ROWS:
            raise ValidationError(f"at most {MAX_IMPORT_ROWS} rows per file", field="file")
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items()}
        try:
            number = normalise_phone(row.get("number", ""), "number")
        except ValidationError as exc:
            errors.append(ImportRowError(row=index, field="number", detail=exc.message))
            continue
        if len(row.get("name", "")) > 200 or len(row.get("company", "")) > 200:
            errors.append(ImportRowError(row=index, field="name", detail="at most 200 characters"))
            continue
        manager = default
        if email := row.get("manager_email", "").casefold():
            if email not in emails:
                errors.append(ImportRowError(row=index, field="manager_email", detail=f"no employee {email}"))
                continue
            manager = emails[email]
        tag_ids = []
        unknown = [t for t in (p.strip() for p in row.get("tags", "").split(";")) if t and t.casefold() not in tags]
        if unknown:
            errors.append(ImportRowError(row=index, field="tags", detail=f"no contact tag {unknown[0]!r}"))
            continue
        tag_ids = [tags[t.strip().casefold()] for t in row.get("tags", "").split(";") if t.strip()]
        if number in valid:
            errors.append(ImportRowError(row=index, field="number", detail=f"{number} appears twice in the file"))
            continue
        valid[number] = (row.get("name", ""), row.get("company", ""), manager, tag_ids)
    existing = {
        r["number"]: r["kind"]
        for r in await conn.fetch(
            "SELECT number, kind FROM crm_contacts WHERE tenant_id = $1 AND number = ANY($2::text[])",
            tenant_id,
            list(valid),
        )
    }
    rows = [
        (tenant_id, number, name, company, manager)
        for number, (name, company, manager, _) in valid.items()
        if existing.get(number) != "personal"
    ]
    skipped_personal = len(valid) - len(rows)
    ids = await conn.fetch(
        "INSERT INTO crm_contacts (tenant_id, number, name, kind, company, manager_id)"
        " SELECT $1, u.number, u.name, 'business', u.company, u.manager FROM"
        " unnest($2::text[], $3::text[], $4::text[], $5::uuid[]) AS u(number, name, company, manager)"
        " ON CONFLICT (tenant_id, number) DO UPDATE SET name = EXCLUDED.name, kind = 'business',"
        " company = EXCLUDED.company, manager_id = coalesce(EXCLUDED.manager_id, crm_contacts.manager_id),"
        " updated_at = now() RETURNING id, number",
        tenant_id, [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows],
    )  # fmt: skip
    by_number_id = {r["number"]: r["id"] for r in ids}
    await conn.executemany(
        "INSERT INTO crm_contact_tags (tenant_id, contact_id, tag_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [
            (tenant_id, by_number_id[n], t)
            for n, (_, _, _, tag_ids) in valid.items()
            if n in by_number_id
            for t in tag_ids
        ],
    )
    updated = sum(1 for r in rows if r[1] in existing)
    return ImportReport(
        imported=len(rows) - updated, updated=updated, skipped=len(errors) + skipped_personal, errors=errors
    )


async def export_rows(conn: Connection, tenant_id: uuid.UUID) -> AsyncIterator[str]:
    """The tenant's contacts as CSV lines, read through a cursor (memory stays flat)."""
    yield to_csv_line(["number", "name", "kind", "company", "manager_email", "tags"])
    async for r in conn.cursor(
        "SELECT c.number, c.name, c.kind, c.company, e.email,"
        " (SELECT string_agg(t.name, ';' ORDER BY t.name) FROM crm_contact_tags ct JOIN tags t"
        "  ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id"
        "  WHERE ct.tenant_id = c.tenant_id AND ct.contact_id = c.id)"
        " AS tags FROM crm_contacts c LEFT JOIN employees e ON e.tenant_id = c.tenant_id AND e.id = c.manager_id"
        " WHERE c.tenant_id = $1 ORDER BY c.created_at, c.id",
        tenant_id,
        prefetch=500,
    ):
        yield to_csv_line([r["number"], r["name"], r["kind"], r["company"], r["email"] or "", r["tags"] or ""])


def to_csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else safe_cell(str(v)) for v in values])
    return buffer.getvalue()


def safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (CSV injection).
    Phone numbers in E.164 keep their '+'."""
    if value[:1] in ("=", "-", "@", "\t", "\r") or (value[:1] == "+" and not value[1:].isdigit()):
        return "'" + value
    return value
