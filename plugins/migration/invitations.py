"""The invitation of a migrated PBX's people (seed 000): "a letter with an invitation to the new
cabinet: a link (not the old cabinet's) and a temporary password, which can be changed later".

``invite(kernel, tenant_id, employee_id)`` gives the employee a new temporary password (stored
only as a hash, like every password) and e-mails it with the new cabinet's sign-in link and the
log-in, in the employee's language (Russian first). Sending again gives a new password: the
previous letter's stops working. An employee still under a placeholder e-mail (the wizard's
``migration.invalid``, no real address yet) gets nothing.

The invitation is not "accepted" by sending it: the e-mail stays editable by an admin until the
employee signs in (the directory freezes a log-in only after acceptance), which the check of the
e-mails before «Завершить миграцию» needs.

The letter sits in the outbox until it is sent, like every invitation (the core one carries a
single-use link instead); the password never goes to a log."""

from __future__ import annotations

import uuid

from vats.core.directory.secrets import generate_password, hash_password
from vats.core.mail import Mail, enqueue_mail
from vats.core.protocols import KernelAPI
from vats.plugins.migration.plan import PLACEHOLDER_DOMAIN

KIND = "migration_invitation"  # the outbox row's kind

_MAILS = {
    "ru": (
        "Приглашение в новый личный кабинет виртуальной АТС «{tenant}»",
        "Здравствуйте, {name}!\n\n"
        "Виртуальная АТС «{tenant}» переходит в новый личный кабинет. Для вас в нём создан вход:\n\n"
        "Адрес нового личного кабинета: {link}\n"
        "Логин: {email}\n"
        "Временный пароль: {password}\n"
        "{extension}"
        "\nСмените временный пароль после первого входа: страница «Профиль» ({me}).\n"
        "Ссылка отличается от адреса прежнего кабинета: сохраните её.\n\n"
        "Если вы не ждали этого письма, сообщите администратору вашей АТС.\n",
    ),
    "en": (
        "Invitation to the new cabinet of the virtual PBX “{tenant}”",
        "Hello {name},\n\n"
        "The virtual PBX “{tenant}” is moving to the new cabinet. Your sign-in there:\n\n"
        "The new cabinet: {link}\n"
        "Log-in: {email}\n"
        "Temporary password: {password}\n"
        "{extension}"
        "\nChange the temporary password after you first sign in: page “Profile” ({me}).\n"
        "The address differs from the old cabinet's: keep it.\n\n"
        "If you did not expect this letter, tell your PBX's admin.\n",
    ),
}
_EXTENSION = {"ru": "Ваш внутренний номер: {extension}\n", "en": "Your extension: {extension}\n"}


def invitation_mail(
    language: str, *, to: str, tenant: str, name: str, password: str, base_url: str, extension: str | None
) -> Mail:
    """The letter itself (Russian unless the employee or the PBX chose English)."""
    lang = language if language in _MAILS else "ru"
    subject, text = _MAILS[lang]
    values = {
        "tenant": tenant, "name": name, "email": to, "password": password,
        "link": f"{base_url}/signin", "me": f"{base_url}/cabinet/me",
        "extension": _EXTENSION[lang].format(extension=extension) if extension else "",
    }  # fmt: skip
    return Mail(to=to, subject=subject.format(**values), text=text.format(**values))


def has_real_email(email: str) -> bool:
    return not email.lower().endswith(f"@{PLACEHOLDER_DOMAIN}")


async def invite(kernel: KernelAPI, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> bool:
    """Give the employee a temporary password and e-mail it with the link; False (nothing done)
    for an employee without a real e-mail or who does not exist in the tenant."""
    password = generate_password(12)
    async with kernel.db.tenant(tenant_id) as conn:
        row = await conn.fetchrow(
            "SELECT e.email, e.full_name, e.extension, t.name AS tenant, coalesce(e.language, t.language) AS language"
            " FROM employees e JOIN tenants t ON t.id = e.tenant_id WHERE e.tenant_id = $1 AND e.id = $2",
            tenant_id, employee_id,
        )  # fmt: skip
        if row is None or not has_real_email(row["email"]):
            return False
        await conn.execute(
            "UPDATE employees SET password_hash = $3 WHERE tenant_id = $1 AND id = $2",
            tenant_id, employee_id, hash_password(password),
        )  # fmt: skip
        mail = invitation_mail(
            row["language"], to=row["email"], tenant=row["tenant"], name=row["full_name"], password=password,
            base_url=kernel.accounts.base_url, extension=row["extension"],
        )  # fmt: skip
        mail_id = await enqueue_mail(conn, tenant_id=tenant_id, kind=KIND, mail=mail)
    await kernel.mail.deliver([mail_id])  # at once; if it fails, the outbox retries
    return True


async def invite_all(kernel: KernelAPI, tenant_id: uuid.UUID, *, role: str | None = None) -> int:
    """Invite every employee with a real e-mail (or only those of ``role``); how many were."""
    async with kernel.db.tenant(tenant_id) as conn:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM employees WHERE tenant_id = $1 AND ($2::text IS NULL OR role = $2)"
                " ORDER BY created_at, id",
                tenant_id, role,
            )
        ]  # fmt: skip
    return sum([await invite(kernel, tenant_id, employee_id) for employee_id in ids])
