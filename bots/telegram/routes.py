"""Cabinet routes of the bot: the employee's link (``/api/me/telegram-link``) and the webhook
Telegram posts updates to (``/telegram/webhook``, checked by its secret-token header)."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from vats.bots.telegram import links
from vats.bots.telegram.links import WEBHOOK_PATH
from vats.bots.web.kit import TenantDep
from vats.core.errors import ConflictError, ValidationError
from vats.core.protocols import KernelAPI

if TYPE_CHECKING:  # importing the bot imports aiogram: seconds of pydantic models, not for `vats serve` without a bot
    from vats.bots.telegram.service import TelegramBot


def _bot(kernel: KernelAPI) -> TelegramBot | None:
    """The bot ``vats serve`` runs on this kernel, if any (only ``vats serve`` sets it, always a
    TelegramBot)."""
    return cast("TelegramBot | None", kernel.telegram)


class LinkOffer(msgspec.Struct, kw_only=True):
    url: str | None  # https://t.me/<bot>?start=<code>; None until the bot has reached Telegram once
    start_command: str  # what to send the bot by hand: "/start <code>"
    expires_at: dt.datetime


class TelegramLinkController(Controller):
    path = "/api/me/telegram-link"
    tags = ["me"]

    @get(operation_id="getMyTelegramLink", summary="Is my Telegram linked?")
    async def get_link(self, tx: TenantDep) -> links.LinkState:
        return await links.state(tx.conn, tx.tenant.id, tx.me.employee_id)

    @post(
        operation_id="createMyTelegramLink",
        summary="A one-time link that binds the Telegram bot to me (expires in 15 minutes)",
        status_code=HTTP_200_OK,
    )
    async def create_link(self, tx: TenantDep) -> LinkOffer:
        bot = _bot(tx.kernel)
        if bot is None:
            raise ConflictError("the Telegram bot is not configured on this PBX (VATS_TELEGRAM_TOKEN)", field="bot")
        code = await links.new_code(tx.conn, tx.tenant.id, tx.me.employee_id)
        return LinkOffer(url=bot.deep_link(code.code), start_command=f"/start {code.code}", expires_at=code.expires_at)

    @delete(operation_id="deleteMyTelegramLink", summary="Unlink my Telegram", status_code=HTTP_204_NO_CONTENT)
    async def delete_link(self, tx: TenantDep) -> None:
        await links.unlink(tx.conn, tx.tenant.id, tx.me.employee_id)


@post(
    WEBHOOK_PATH, include_in_schema=False, opt={"exclude_from_auth": True}, status_code=HTTP_200_OK,
    request_max_body_size=1_000_000,
)  # fmt: skip
async def telegram_webhook(request: Request[Any, Any, Any]) -> dict[str, bool]:
    bot = _bot(request.app.state.kernel)
    if bot is None or not bot.webhook_url:
        raise NotFoundException("not found")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), bot.secret.encode()):
        raise NotAuthorizedException("wrong secret token")
    try:
        update = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise ValidationError("the body is not JSON", field="body") from None
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise ValidationError("not a Telegram update", field="update_id")
    bot.feed_webhook(update)
    return {"ok": True}
