"""SMS through the outbox (channel ``sms``): the limits that keep them from costing a fortune,
the channel that hands each one to the provider (``sms_provider`` hook), and the generic HTTP
provider an operator configures (URL, method, auth, body template, success rule).

Limits, checked when an SMS is written (in the caller's transaction, under a per-tenant lock
so concurrent writers cannot both squeeze under a limit): at most ``sms_daily_limit`` SMS per
tenant per day, and at most ``codes_per_hour`` codes to one number per hour (operator
settings). Every number is checked with ``phonenumbers`` before it is ever sent to.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import string
import time
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote_plus, urlsplit

import msgspec
import phonenumbers
from vats.core import outbox
from vats.core.db.database import Connection, Database
from vats.core.errors import ValidationError, VatsError
from vats.core.outbox import Item, Outcome, Refused, Rejected, RetryPolicy, Sender, Sent, Unknown
from vats.core.protocols import KernelAPI
from vats.core.sms import SmsProvider

log = logging.getLogger(__name__)

CHANNEL = "sms"
CODE_LIFETIME = dt.timedelta(minutes=10)
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL text refuses NUL)
NO_NUL = r"^[^\x00]*$"
RETRY = RetryPolicy(base_delay_s=5.0, max_delay_s=600.0, max_attempts=10, give_up_after=dt.timedelta(hours=6))


class SmsLimitError(VatsError):
    status = 429
    title = "Too many SMS"


def parse_mobile(text: str, field: str = "address") -> str:
    """A mobile number in E.164 (+79031234567), read as Russian when it has no country code."""
    try:
        number = phonenumbers.parse(text.strip(), "RU")
    except phonenumbers.NumberParseException:
        raise ValidationError("a phone number such as +7 903 123-45-67", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("not a valid phone number", field=field)
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError("not a mobile number: SMS cannot reach it", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SmsPayload(msgspec.Struct, kw_only=True):
    to: str  # E.164
    text: str
    recipient_id: uuid.UUID | None = None  # a notification recipient: sent only while it exists (and is verified)


class Settings(msgspec.Struct, kw_only=True):
    sms_daily_limit: int = 100
    codes_per_hour: int = 5


async def settings(conn: Connection) -> Settings:
    row = await conn.fetchrow("SELECT sms_daily_limit, codes_per_hour FROM notification_settings")
    return Settings() if row is None else Settings(**dict(row))


async def enqueue_sms(
    conn: Connection, *, tenant_id: uuid.UUID, kind: str, payload: SmsPayload, field: str = "address"
) -> int:
    """Write one SMS within the limits (``SmsLimitError`` naming ``field`` otherwise)."""
    parse_mobile(payload.to, field)  # never send to what is not a number
    limits = await settings(conn)
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('vats sms ' || $1, 0))", str(tenant_id))
    today = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE tenant_id = $1 AND channel = 'sms'"
        " AND created_at >= date_trunc('day', now())",
        tenant_id,
    )
    if today >= limits.sms_daily_limit:
        raise SmsLimitError("the daily SMS limit of this PBX is reached; try tomorrow", field=field, retry_after=3600)
    if kind == "code":
        recent = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE channel = 'sms' AND kind = 'code' AND payload->>'to' = $1"
            " AND created_at > now() - interval '1 hour'",
            payload.to,
        )
        if recent >= limits.codes_per_hour:
            raise SmsLimitError("too many codes to this number; try again in an hour", field=field, retry_after=3600)
    return await outbox.enqueue(conn, tenant_id=tenant_id, channel=CHANNEL, kind=kind, payload=payload)


# --- sending ------------------------------------------------------------------------------


class SmsChannel:
    """Hands one SMS to the provider the ``sms_provider`` hook names, at the moment of sending."""

    name = CHANNEL

    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel

    async def send(self, item: Item) -> Outcome:
        payload = msgspec.convert(item.payload, SmsPayload)
        if item.kind == "code" and dt.datetime.now(dt.UTC) - item.created_at > CODE_LIFETIME:
            return Rejected("the code expired before it could be sent")
        if payload.recipient_id is not None:
            async with self.kernel.db.system() as conn:
                verified = await conn.fetchval(
                    "SELECT verified_at IS NOT NULL FROM notification_recipients WHERE tenant_id = $1 AND id = $2",
                    item.tenant_id, payload.recipient_id,
                )  # fmt: skip
            if verified is None:
                return Rejected("the recipient was removed")
            if not verified and item.kind != "code":
                return Rejected("the recipient is not verified")
        provider: SmsProvider | None = await self.kernel.plugins.first("sms_provider", kernel=self.kernel)
        if provider is None:
            return Refused("no SMS provider is configured")
        return await provider.send(payload.to, payload.text)


CONCURRENCY = 4  # SMS in flight at once: each one's mark is a commit (an fsync), which overlap


def sms_sender(
    kernel: KernelAPI, *, retry: RetryPolicy = RETRY, poll_s: float = 5.0, concurrency: int = CONCURRENCY
) -> Sender:
    return Sender(kernel.db, SmsChannel(kernel), retry=retry, poll_s=poll_s, concurrency=concurrency)


async def sms_worker(kernel: KernelAPI) -> None:
    """The SMS sender ``vats serve`` runs (``register_workers``)."""
    await sms_sender(kernel).run()


# --- the generic HTTP provider ------------------------------------------------------------


class HttpSmsConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The operator's HTTP SMS gateway. ``body_template`` fills ``$to``, ``$text`` and
    ``$sender`` (escaped for the content type; for GET it is the query string). The answer
    means "sent" when its status is 2xx and, if ``success_contains`` is set, its body contains
    it; ``message_id_field`` names the JSON field with the provider's id of the message."""

    url: Annotated[
        str, msgspec.Meta(min_length=8, max_length=2000, pattern=PRINTABLE, examples=["https://sms.example.com/send"])
    ]
    method: Literal["POST", "PUT", "GET"] = "POST"
    auth: Literal["none", "bearer", "basic", "header"] = "none"
    # bearer: the token; basic: "user:password"; header: "Header-Name: value". Never shown back.
    auth_value: Annotated[str, msgspec.Meta(max_length=2000, pattern=PRINTABLE)] | None = None
    content_type: Literal["application/json", "application/x-www-form-urlencoded"] = "application/json"
    body_template: Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_NUL)] = '{"to": "$to", "text": "$text"}'
    sender: Annotated[str, msgspec.Meta(max_length=20, pattern=PRINTABLE)] = ""
    success_contains: Annotated[str, msgspec.Meta(max_length=200, pattern=PRINTABLE)] | None = None
    message_id_field: Annotated[str, msgspec.Meta(max_length=100, pattern=PRINTABLE)] | None = None
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0

    def check(self) -> HttpSmsConfig:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError("an http:// or https:// address", field="sms_http.url")
        if self.auth != "none" and not self.auth_value:
            raise ValidationError("this kind of auth needs its value", field="sms_http.auth_value")
        if self.auth == "basic" and ":" not in (self.auth_value or ""):
            raise ValidationError("basic auth is user:password", field="sms_http.auth_value")
        if self.auth == "header" and ":" not in (self.auth_value or ""):
            raise ValidationError("a header is Name: value", field="sms_http.auth_value")
        if "$to" not in self.body_template and "${to}" not in self.body_template:
            raise ValidationError("the body template must carry $to", field="sms_http.body_template")
        return self


class HttpSmsProvider:
    name = "http"

    def __init__(self, config: HttpSmsConfig) -> None:
        self.config = config

    def _request(self, to: str, text: str) -> tuple[str, dict[str, str], bytes | None]:
        c = self.config
        if c.method == "GET" or c.content_type == "application/x-www-form-urlencoded":

            def escape(value: str) -> str:
                return quote_plus(value)
        else:

            def escape(value: str) -> str:
                return json.dumps(value, ensure_ascii=False)[1:-1]

        filled = string.Template(c.body_template).safe_substitute(
            to=escape(to), text=escape(text), sender=escape(c.sender)
        )
        headers: dict[str, str] = {}
        if c.auth == "bearer":
            headers["Authorization"] = f"Bearer {c.auth_value}"
        elif c.auth == "basic":
            import aiohttp

            headers["Authorization"] = aiohttp.BasicAuth(*(c.auth_value or ":").split(":", 1)).encode()
        elif c.auth == "header":
            name, value = (c.auth_value or ":").split(":", 1)
            headers[name.strip()] = value.strip()
        if c.method == "GET":
            return f"{c.url}{'&' if '?' in c.url else '?'}{filled}", headers, None
        headers["Content-Type"] = c.content_type
        return c.url, headers, filled.encode()

    async def send(self, to: str, text: str) -> Outcome:
        # Imported on the first send: loading the plugin (every `vats` command) needs no HTTP client.
        import aiohttp

        url, headers, body = self._request(to, text)
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(self.config.method, url, headers=headers, data=body, allow_redirects=False) as answer,
            ):
                status, text_back = answer.status, await answer.text(errors="replace")
                retry_after = answer.headers.get("Retry-After", "")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:  # never connected: not sent
            return Refused(f"cannot connect: {type(exc).__name__}")
        except (aiohttp.ClientError, TimeoutError) as exc:  # the request may have reached the provider
            return Unknown(f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__)
        if status == 429:
            wait = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None
            return Refused("HTTP 429", status=429, retry_after_s=wait, pause_channel=wait is not None)
        if status == 408 or status >= 500:
            return Refused(f"HTTP {status}", status=status)
        if not 200 <= status < 300:
            return Rejected(f"HTTP {status}: {text_back[:200]}", status=status)
        if self.config.success_contains is not None and self.config.success_contains not in text_back:
            return Rejected(f"the provider did not confirm: {text_back[:200]}", status=status)
        return Sent(self._message_id(text_back), status=status)

    def _message_id(self, body: str) -> str | None:
        if not self.config.message_id_field:
            return None
        try:
            value: Any = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return None
        found = value.get(self.config.message_id_field) if isinstance(value, dict) else None
        return None if found is None else str(found)[:200]


PROVIDER_TTL_S = 2.0  # an operator's change reaches the senders within this
_provider_cache: dict[int, tuple[float, HttpSmsProvider | None]] = {}


async def configured_provider(db: Database) -> HttpSmsProvider | None:
    """The operator's gateway, read again at most every ``PROVIDER_TTL_S`` per database (a read
    per SMS halved the sender's throughput: bench/notifications)."""
    now = time.monotonic()
    known = _provider_cache.get(id(db))
    if known is not None and now - known[0] < PROVIDER_TTL_S:
        return known[1]
    async with db.system() as conn:
        raw = await conn.fetchval("SELECT sms_http FROM notification_settings")
    provider = None if raw is None else HttpSmsProvider(msgspec.convert(raw, HttpSmsConfig))
    _provider_cache[id(db)] = (now, provider)
    return provider


def forget_provider() -> None:
    """The operator changed the gateway: the next SMS reads it again (this process)."""
    _provider_cache.clear()
