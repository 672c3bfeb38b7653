"""The notifications API: the tenant admin's recipients (``/api/notifications/recipients``),
the e-mail link's confirmation (public: the link is all its visitor has) and the operator's
SMS settings (``/api/operator/notifications/settings``)."""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Response, delete, get, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import ADMIN, OPERATOR, KernelDep, MeDep, OperatorDep, TenantDep, tenant_transaction
from vats.core.errors import ValidationError
from vats.plugins.notifications import recipients
from vats.plugins.notifications.recipients import Recipient, RecipientChange, RecipientIn, WrongCode
from vats.plugins.notifications.sms import HttpSmsConfig, forget_provider


class CodeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[0-9 ]+$", examples=["123456"])]


class TokenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class RecipientsController(Controller):
    path = "/api/notifications/recipients"
    tags = ["notifications"]
    opt = {"roles": ADMIN}

    @get(operation_id="listNotificationRecipients", summary="Who is warned (e-mail, SMS) and below which balance")
    async def listing(self, tx: TenantDep) -> list[Recipient]:
        return await recipients.listing(tx.conn, tx.tenant.id)

    @post(
        operation_id="addNotificationRecipient", summary="Add a recipient; it gets a link or a code to confirm",
        opt={"problems": (429,)},  # the SMS limits
    )  # fmt: skip
    async def add(self, kernel: KernelDep, me: MeDep, data: JSONBody[RecipientIn]) -> Recipient:
        async with tenant_transaction(kernel, me) as tx:
            recipient, sent = await recipients.add(tx.conn, kernel, tx.tenant.id, data)
        await recipients.send_now(kernel, sent)
        return recipient

    @put("/{recipient_id:uuid}", operation_id="changeNotificationRecipient", summary="Change the threshold, language")
    async def change(
        self, tx: TenantDep, recipient_id: FromPath[uuid.UUID], data: JSONBody[RecipientChange]
    ) -> Recipient:
        return await recipients.change(tx.conn, tx.tenant.id, recipient_id, data)

    @delete(
        "/{recipient_id:uuid}", operation_id="removeNotificationRecipient", status_code=HTTP_204_NO_CONTENT,
        summary="Remove a recipient: nothing more is sent to it, from now",
    )  # fmt: skip
    async def remove(self, tx: TenantDep, recipient_id: FromPath[uuid.UUID]) -> None:
        await recipients.remove(tx.conn, tx.tenant.id, recipient_id)

    @post(
        "/{recipient_id:uuid}/resend", operation_id="resendNotificationVerification", status_code=HTTP_204_NO_CONTENT,
        summary="Send a new link or code (the previous one stops working)", opt={"problems": (429,)},
    )  # fmt: skip
    async def resend(self, kernel: KernelDep, me: MeDep, recipient_id: FromPath[uuid.UUID]) -> None:
        async with tenant_transaction(kernel, me) as tx:
            recipient = await recipients.get(tx.conn, tx.tenant.id, recipient_id)
            sent = await recipients.send_verification(tx.conn, kernel, tx.tenant.id, recipient)
        await recipients.send_now(kernel, sent)

    @post(
        "/{recipient_id:uuid}/confirm", operation_id="confirmNotificationRecipient", status_code=200,
        summary="Confirm a number by its SMS code",
    )  # fmt: skip
    async def confirm(
        self, kernel: KernelDep, me: MeDep, recipient_id: FromPath[uuid.UUID], data: JSONBody[CodeIn]
    ) -> Recipient:
        wrong: WrongCode | None = None
        async with tenant_transaction(kernel, me) as tx:
            try:
                return await recipients.confirm_code(tx.conn, tx.tenant.id, recipient_id, data.code)
            except WrongCode as exc:
                wrong = exc  # the try is counted: commit, then answer
        raise wrong


PUBLIC: dict[str, Any] = {"exclude_from_auth": True}


@post(
    "/api/notifications/verify", operation_id="verifyNotificationEmail", status_code=HTTP_204_NO_CONTENT, opt=PUBLIC,
    tags=["notifications"], summary="Confirm an e-mail address by the token of its link (single use)",
)  # fmt: skip
async def verify_email(kernel: KernelDep, data: JSONBody[TokenIn]) -> None:
    async with kernel.db.system() as conn:
        await recipients.confirm_link(conn, data.token)


_PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Уведомления АТС</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head><body>{body}</body></html>"""


class VerifyPage(Controller):
    """The page the e-mail link opens: a button, not a confirmation on GET (mail scanners open
    links; people press buttons)."""

    path = recipients.VERIFY_PATH
    opt = PUBLIC
    include_in_schema = False

    @get(media_type=MediaType.HTML)
    async def show(self, token: Annotated[str, QueryParameter(max_length=200)] = "") -> str:
        return _PAGE.format(
            body=(
                "<h1>Подтверждение адреса</h1><p>Этот адрес будет получать уведомления виртуальной АТС"
                " (например, о низком балансе).</p>"
                f'<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">'
                '<button type="submit">Подтвердить</button></form>'
            )
        )

    @post(media_type=MediaType.HTML, status_code=200)
    async def confirm(
        self, kernel: KernelDep, data: Annotated[TokenIn, Body(media_type=RequestEncodingType.URL_ENCODED)]
    ) -> Response[str]:
        try:
            async with kernel.db.system() as conn:
                await recipients.confirm_link(conn, data.token)
        except ValidationError:
            body = "<h1>Ссылка не действует</h1><p>Её уже использовали, заменили новой или срок истёк.</p>"
            return Response(_PAGE.format(body=body), status_code=422, media_type=MediaType.HTML)
        body = "<h1>Адрес подтверждён</h1><p>Теперь сюда будут приходить уведомления.</p>"
        return Response(_PAGE.format(body=body), media_type=MediaType.HTML)


class OperatorSettings(msgspec.Struct, kw_only=True):
    sms_http: HttpSmsConfig | None  # auth_value is never shown back
    sms_daily_limit: int
    codes_per_hour: int


class OperatorSettingsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sms_http: HttpSmsConfig | None = None
    sms_daily_limit: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 100
    codes_per_hour: Annotated[int, msgspec.Meta(ge=0, le=100)] = 5


class NotificationsOperatorController(Controller):
    path = "/api/operator/notifications/settings"
    tags = ["operator: notifications"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get(operation_id="operatorGetNotificationSettings", summary="The SMS provider and limits")
    async def show(self, operator: OperatorDep) -> OperatorSettings:
        return await _operator_settings(operator)

    @put(operation_id="operatorSetNotificationSettings", summary="Set the generic HTTP SMS provider and the limits")
    async def set(self, operator: OperatorDep, data: JSONBody[OperatorSettingsIn]) -> OperatorSettings:
        config = data.sms_http.check() if data.sms_http is not None else None
        async with operator.system() as conn:
            await conn.execute(
                "UPDATE notification_settings SET sms_http = $1, sms_daily_limit = $2, codes_per_hour = $3,"
                " updated_at = now()",
                None if config is None else msgspec.to_builtins(config), data.sms_daily_limit, data.codes_per_hour,
            )  # fmt: skip
        forget_provider()
        return await _operator_settings(operator)


async def _operator_settings(operator: OperatorDep) -> OperatorSettings:
    async with operator.system() as conn:
        row = await conn.fetchrow("SELECT sms_http, sms_daily_limit, codes_per_hour FROM notification_settings")
    assert row is not None  # the migration wrote the one row
    config = None if row["sms_http"] is None else msgspec.convert(row["sms_http"], HttpSmsConfig)
    if config is not None and config.auth_value:
        config = msgspec.structs.replace(config, auth_value="•" * 8)
    return OperatorSettings(
        sms_http=config, sms_daily_limit=row["sms_daily_limit"], codes_per_hour=row["codes_per_hour"]
    )
