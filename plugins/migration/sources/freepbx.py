"""FreePBX's Bulk Handler export of extensions (Admin → Bulk Handler → Export → Extensions), a
CSV with a header row of column names (any order; the columns of other modules are ignored).

The columns read, as FreePBX's Core and User Manager modules name them:

* ``extension`` (required): the extension number; it is also the device's SIP user name, so it
  becomes the line's log-in, and the vats extension when it fits vats's rules;
* ``name`` (required): the user's display name, the employee's full name;
* ``tech``: ``pjsip`` or ``sip`` (the default when empty) have a SIP line; ``virtual``,
  ``custom``, ``dahdi`` and ``iax2`` have none to keep (the employee is created without it);
* ``secret``: the SIP password (required for ``pjsip`` and ``sip``);
* ``email`` (User Manager) or else ``voicemail_email``: the employee's e-mail.

``outboundcid`` is not taken: the numbers it names are the system's inbound routes, which this
export does not carry, and vats's caller ID must be one of the PBX's own numbers.

One file is one FreePBX system, so one customer: its key and name are the file's name (without
``.csv``) and its admin is the first extension with an e-mail.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from vats.core.migration_export import LineBinding, OldCustomer, OldEmployee, OldLine, SourceError

_SIP_TECHS = {"", "pjsip", "sip"}
_OTHER_TECHS = {"virtual", "custom", "dahdi", "iax2"}


class FreePbxExtensionsSource:
    name = "freepbx-csv"
    description = "FreePBX Bulk Handler's extensions export (CSV): one file, one customer"

    def read(self, path: Path) -> Iterator[OldCustomer]:
        lines: list[OldLine] = []
        people: list[OldEmployee] = []
        admin_email = None
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            try:
                header = reader.fieldnames or []
            except (csv.Error, UnicodeDecodeError) as exc:
                raise SourceError("line 1", f"not a CSV header ({exc})") from None
            missing = [c for c in ("extension", "name") if c not in header]
            if missing:
                raise SourceError("line 1", f"the header lacks the column(s) {', '.join(missing)}")
            try:
                for row in reader:
                    place = f"line {reader.line_num}"
                    person, line = _row(row, place)
                    if line is not None:
                        lines.append(line)
                    if admin_email is None and person.email:
                        admin_email = person.email
                    people.append(person)
            except csv.Error as exc:
                raise SourceError(f"line {reader.line_num}", f"broken CSV ({exc})") from None
            except UnicodeDecodeError as exc:
                raise SourceError(f"line {reader.line_num + 1}", f"not UTF-8 text ({exc.reason})") from None
        if admin_email is None:
            raise SourceError("the file", "no extension has an e-mail (email or voicemail_email): who is the admin?")
        yield OldCustomer(id=path.stem, name=path.stem, admin_email=admin_email, lines=lines, employees=people)


def _row(row: dict[str | None, str | None], place: str) -> tuple[OldEmployee, OldLine | None]:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    if None in row:
        raise SourceError(place, "more cells than the header has columns")
    extension, name, tech = cell("extension"), cell("name"), cell("tech").lower()
    if not extension:
        raise SourceError(f"{place}, column extension", "the extension is empty")
    if not name:
        raise SourceError(f"{place}, column name", f"extension {extension} has no name")
    if tech not in _SIP_TECHS | _OTHER_TECHS:
        raise SourceError(f"{place}, column tech", f"unknown device technology {tech!r}")
    line = None
    if tech in _SIP_TECHS:
        secret = cell("secret")
        if not secret:
            raise SourceError(f"{place}, column secret", f"SIP extension {extension} has no secret")
        line = OldLine(login=extension, password=secret, name=name)
    email = cell("email") or cell("voicemail_email") or None
    person = OldEmployee(
        full_name=name, email=email, extension=extension,
        lines=[LineBinding(login=extension, kind="softphone")] if line else [],
    )  # fmt: skip
    return person, line
