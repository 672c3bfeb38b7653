"""Configuration: every setting is an environment variable with the ``VATS_`` prefix.

All of them are declared in ``SETTINGS`` below, the one place that lists them; ``vats config``
prints them with their current values and masks the secrets.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

import msgspec
import platformdirs


class Setting(msgspec.Struct, frozen=True, kw_only=True):
    """One environment variable: its name, default, meaning and whether it is a secret."""

    name: str
    default: str | None
    doc: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(name="VATS_HOST", default="127.0.0.1", doc="address `vats serve` listens on"),
    Setting(name="VATS_PORT", default="8000", doc="HTTP port of `vats serve`"),
    Setting(
        name="VATS_TLS",
        default="off",
        doc="HTTPS of `vats serve`: off, or self-signed (a certificate made once in VATS_DATA_DIR/tls for a LAN); "
        "VATS_TLS_CERT and VATS_TLS_KEY, when set, serve HTTPS with that certificate instead",
    ),
    Setting(name="VATS_TLS_CERT", default=None, doc="PEM certificate (chain) for HTTPS; needs VATS_TLS_KEY"),
    Setting(name="VATS_TLS_KEY", default=None, doc="PEM private key of VATS_TLS_CERT", secret=True),
    Setting(
        name="VATS_TLS_NAMES",
        default=None,
        doc="extra host names and addresses, comma-separated, a self-signed certificate is made for "
        "(always: localhost, 127.0.0.1, this host's name and VATS_HOST)",
    ),
    Setting(
        name="VATS_TRUSTED_PROXIES",
        default="127.0.0.1",
        doc="addresses or CIDR ranges, comma-separated, whose X-Forwarded-For/-Proto headers are believed "
        "(a reverse proxy terminating HTTPS); * trusts everyone (never on a public port)",
    ),
    Setting(
        name="VATS_DATABASE_URL",
        default=None,
        doc="PostgreSQL URL of an existing server (its user runs the migrations); "
        "unset: an embedded PostgreSQL in VATS_DATA_DIR",
        secret=True,
    ),
    Setting(
        name="VATS_DATA_DIR",
        default=platformdirs.user_data_dir("vats"),
        doc="folder for the embedded PostgreSQL and other local state",
    ),
    Setting(
        name="VATS_MEDIA_DIR",
        default=None,
        doc="folder for recordings, shared with Asterisk (unset: VATS_DATA_DIR/media)",
    ),
    Setting(
        name="VATS_PLUGINS",
        default=None,
        doc="comma-separated allow-list of plugin names to load (unset: all installed)",
    ),
    Setting(
        name="VATS_DEMO",
        default="1",
        doc="create a demo tenant when `vats serve` starts on an empty database (0 to disable)",
    ),
    Setting(name="VATS_LOG_LEVEL", default="INFO", doc="logging level"),
    Setting(
        name="VATS_OPERATOR_TOKEN",
        default=None,
        doc="bearer token of the PBX operator for /api/operator/... (unset: operator API off)",
        secret=True,
    ),
    Setting(
        name="VATS_SECRET_KEY",
        default=None,
        doc="key that signs access tokens (unset: generated once into VATS_DATA_DIR/secret_key)",
        secret=True,
    ),
    Setting(
        name="VATS_PUBLIC_URL",
        default=None,
        doc="address people open the cabinet at, used in e-mailed links (unset: http://HOST:PORT)",
    ),
    Setting(
        name="VATS_SMTP_URL",
        default=None,
        doc="smtp://user:password@host:port for outgoing mail (unset: the dev inbox, `vats mail list`)",
        secret=True,
    ),
    Setting(name="VATS_MAIL_FROM", default="vats@localhost", doc="sender address of outgoing mail"),
    Setting(name="VATS_AGI_HOST", default="127.0.0.1", doc="address the FastAGI call router listens on"),
    Setting(name="VATS_AGI_PORT", default="4573", doc="port of the FastAGI call router (0: router off)"),
    Setting(
        name="VATS_AMI_URL",
        default=None,
        doc="Asterisk Manager of each Asterisk server, comma-separated ami://user:secret@host:5038 (unset: none)",
        secret=True,
    ),
    Setting(
        name="VATS_ASTERISK_CONF_DIR",
        default=None,
        doc="folder vats keeps Asterisk's rendered configuration in and reloads on changes (unset: render by hand)",
    ),
    Setting(
        name="VATS_CEL_PASSWORD",
        default=None,
        doc="password of the role vats_cel that Asterisk writes its event log as (needed over TCP)",
        secret=True,
    ),
    Setting(
        name="VATS_TELEGRAM_TOKEN",
        default=None,
        doc="token of the Telegram bot (from @BotFather); unset: the bot is off",
        secret=True,
    ),
    Setting(
        name="VATS_TELEGRAM_WEBHOOK_URL",
        default=None,
        doc="public https address Telegram posts updates to, ending in /telegram/webhook (unset: long polling)",
    ),
    Setting(
        name="VATS_TELEGRAM_API_URL",
        default="https://api.telegram.org",
        doc="Bot API server (a local telegram-bot-api server, or a fake one in tests)",
    ),
    Setting(
        name="VATS_SOFTPHONE_URL",
        default=None,
        doc="where the welcome letter sends a new employee to download a softphone (unset: not mentioned)",
    ),
    Setting(
        name="VATS_OUTBOUND_ALLOW_NETWORKS",
        default=None,
        doc="comma-separated CIDR ranges that requests tenants control (CRM webhooks) may reach although "
        "they are not public, e.g. 10.0.0.0/8 for a CRM on the office LAN (unset: public addresses only)",
    ),
    Setting(
        name="VATS_ASTERISK_WS",
        default="ws://127.0.0.1:8088/ws",
        doc="Asterisk's SIP-over-WebSocket endpoint (its http.conf, on the loopback); the cabinet's webphone "
        "reaches it through vats's own HTTPS port at /cabinet/webphone/ws",
    ),
    Setting(
        name="VATS_WEBPHONE_ICE_SERVERS",
        default=None,
        doc='STUN/TURN servers for the webphone\'s browsers behind NAT, as JSON RTCIceServer objects, e.g. '
        '[{"urls": "turn:turn.example.org:3478", "username": "vats", "credential": "..."}] (unset: none; '
        "enough where browsers reach Asterisk's RTP ports directly, as on a LAN)",
        secret=True,
    ),
    Setting(
        name="VATS_ASTERISK_ROOT",
        default="~/.cache/vats/asterisk-root",
        doc="folder of the Asterisk sandbox's Debian chroot (`vats asterisk sandbox`, tests/asterisk)",
    ),
    Setting(
        name="VATS_DEBIAN_MIRROR",
        default=None,
        doc="Debian mirror the Asterisk sandbox is built from (unset: the one the host's apt sources use)",
    ),
    Setting(
        name="VATS_YOOKASSA_SHOP_ID",
        default=None,
        doc="YooKassa shop id (shopId): with the secret key, tenants top up and pay by card and SBP (unset: "
        "no real payments; the demo runs a fake YooKassa)",
    ),
    Setting(name="VATS_YOOKASSA_SECRET_KEY", default=None, doc="YooKassa secret key of the shop", secret=True),
    Setting(
        name="VATS_YOOKASSA_API_URL",
        default="https://api.yookassa.ru/v3",
        doc="YooKassa API v3 address (a fake one in tests)",
    ),
    Setting(
        name="VATS_YOOKASSA_VAT_CODE",
        default=None,
        doc="YooKassa vat_code of top-ups' fiscal receipts (54-ФЗ), e.g. 1 (без НДС); unset: no receipt is sent",
    ),
    Setting(
        name="VATS_RETENTION_DAYS",
        default="365",
        doc="days call recordings and voicemail are kept, unless a PBX sets its own period (then removed)",
    ),
    Setting(
        name="VATS_SIP_DIAL",
        default="PJSIP/{login}",
        doc="Asterisk dial string of a SIP line; {login} is replaced",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class IceServer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A STUN or TURN server the webphone's browser may use (WebRTC's RTCIceServer)."""

    urls: str | list[str]
    username: str | None = None
    credential: str | None = None


def _ice_servers(text: str | None) -> tuple[IceServer, ...]:
    if not text:
        return ()
    try:
        servers = msgspec.json.decode(text, type=list[IceServer])
    except msgspec.DecodeError as exc:  # ValidationError is one too
        raise ValueError(f"VATS_WEBPHONE_ICE_SERVERS must be a JSON list of ICE servers: {exc}") from None
    for server in servers:
        for url in [server.urls] if isinstance(server.urls, str) else server.urls:
            if not url.startswith(("stun:", "stuns:", "turn:", "turns:")):
                raise ValueError(f"VATS_WEBPHONE_ICE_SERVERS: {url!r} is not a stun:, stuns:, turn: or turns: URL")
    return tuple(servers)


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """The settings in force, read once from the environment."""

    host: str
    port: int
    database_url: str | None
    data_dir: Path
    plugins: frozenset[str] | None
    demo: bool
    log_level: str
    operator_token: str | None
    secret_key: str | None = None
    public_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "vats@localhost"
    media_dir_setting: str | None = None
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    ami_urls: tuple[str, ...] = ()
    asterisk_conf_dir: str | None = None
    asterisk_ws: str = "ws://127.0.0.1:8088/ws"  # the webphone's SIP over WebSocket (proxied)
    webphone_ice_servers: tuple[IceServer, ...] = ()  # STUN/TURN for browsers behind NAT
    sip_dial: str = "PJSIP/{login}"
    cel_password: str | None = None
    telegram_token: str | None = None
    telegram_webhook_url: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    outbound_allow_networks: tuple[str, ...] = ()
    softphone_url: str | None = None  # where the welcome letter sends people for a softphone
    yookassa_shop_id: str | None = None
    yookassa_secret_key: str | None = None
    yookassa_api_url: str = "https://api.yookassa.ru/v3"
    yookassa_vat_code: int | None = None
    tls_mode: str = "off"  # off | self-signed
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_names: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    retention_days: int = 365  # recordings and voicemail, unless the tenant sets its own period

    @property
    def serves_https(self) -> bool:
        return bool(self.tls_cert) or self.tls_mode == "self-signed"

    @property
    def media_dir(self) -> Path:
        return Path(self.media_dir_setting) if self.media_dir_setting else self.data_dir / "media"

    @property
    def database_label(self) -> str:
        """Which database this configuration opens, for a person to check (no credentials)."""
        if self.database_url:
            return f"PostgreSQL {mask(self.database_url)} (VATS_DATABASE_URL)"
        return f"embedded PostgreSQL in {self.data_dir} (VATS_DATA_DIR)"

    @property
    def base_url(self) -> str:
        """Where people reach the cabinet (links in e-mails point here)."""
        scheme = "https" if self.serves_https else "http"
        return (self.public_url or f"{scheme}://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else _BY_NAME[name].default

        port_text = get("VATS_PORT") or "8000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"VATS_PORT must be a TCP port number, got {port_text!r}")
        plugins = get("VATS_PLUGINS")
        agi_port = get("VATS_AGI_PORT") or "4573"
        if not agi_port.isdigit() or not 0 <= int(agi_port) < 65536:
            raise ValueError(f"VATS_AGI_PORT must be a TCP port number, got {agi_port!r}")
        allow_networks = tuple(n.strip() for n in (get("VATS_OUTBOUND_ALLOW_NETWORKS") or "").split(",") if n.strip())
        for network in allow_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"VATS_OUTBOUND_ALLOW_NETWORKS: {network!r} is not an address or CIDR range") from None
        sip_dial = get("VATS_SIP_DIAL") or "PJSIP/{login}"
        vat_code = get("VATS_YOOKASSA_VAT_CODE")
        if vat_code is not None and not (vat_code.isdigit() and 1 <= int(vat_code) <= 12):
            raise ValueError(f"VATS_YOOKASSA_VAT_CODE must be a YooKassa vat_code from 1 to 12, got {vat_code!r}")
        if "{login}" not in sip_dial:
            raise ValueError("VATS_SIP_DIAL must contain {login}")
        tls_mode = (get("VATS_TLS") or "off").lower()
        if tls_mode not in ("off", "self-signed"):
            raise ValueError(f"VATS_TLS must be off or self-signed, got {tls_mode!r}")
        tls_cert, tls_key = get("VATS_TLS_CERT"), get("VATS_TLS_KEY")
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("VATS_TLS_CERT and VATS_TLS_KEY go together: set both or neither")
        retention = get("VATS_RETENTION_DAYS") or "365"
        if not retention.isdigit() or not 1 <= int(retention) <= 36500:
            raise ValueError(f"VATS_RETENTION_DAYS must be a number of days from 1, got {retention!r}")
        proxies = tuple(p.strip() for p in (get("VATS_TRUSTED_PROXIES") or "").split(",") if p.strip())
        for proxy in proxies:
            if proxy == "*":
                continue
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"VATS_TRUSTED_PROXIES: {proxy!r} is not an address or CIDR range") from None
        return cls(
            host=get("VATS_HOST") or "127.0.0.1",
            port=int(port_text),
            database_url=get("VATS_DATABASE_URL"),
            # Absolute: a relative folder would name another database in another working folder.
            data_dir=Path(get("VATS_DATA_DIR") or ".").expanduser().absolute(),
            plugins=frozenset(p.strip() for p in plugins.split(",") if p.strip()) if plugins else None,
            demo=(get("VATS_DEMO") or "1").lower() not in ("0", "false", "no", "off"),
            log_level=(get("VATS_LOG_LEVEL") or "INFO").upper(),
            operator_token=get("VATS_OPERATOR_TOKEN"),
            secret_key=get("VATS_SECRET_KEY"),
            public_url=get("VATS_PUBLIC_URL"),
            smtp_url=get("VATS_SMTP_URL"),
            mail_from=get("VATS_MAIL_FROM") or "vats@localhost",
            media_dir_setting=get("VATS_MEDIA_DIR"),
            agi_host=get("VATS_AGI_HOST") or "127.0.0.1",
            agi_port=int(agi_port),
            ami_urls=tuple(u.strip() for u in (get("VATS_AMI_URL") or "").split(",") if u.strip()),
            asterisk_conf_dir=get("VATS_ASTERISK_CONF_DIR"),
            asterisk_ws=get("VATS_ASTERISK_WS") or "ws://127.0.0.1:8088/ws",
            webphone_ice_servers=_ice_servers(get("VATS_WEBPHONE_ICE_SERVERS")),
            sip_dial=sip_dial,
            cel_password=get("VATS_CEL_PASSWORD"),
            telegram_token=get("VATS_TELEGRAM_TOKEN"),
            telegram_webhook_url=get("VATS_TELEGRAM_WEBHOOK_URL"),
            telegram_api_url=get("VATS_TELEGRAM_API_URL") or "https://api.telegram.org",
            outbound_allow_networks=allow_networks,
            softphone_url=get("VATS_SOFTPHONE_URL"),
            yookassa_shop_id=get("VATS_YOOKASSA_SHOP_ID"),
            yookassa_secret_key=get("VATS_YOOKASSA_SECRET_KEY"),
            yookassa_api_url=(get("VATS_YOOKASSA_API_URL") or "https://api.yookassa.ru/v3").rstrip("/"),
            yookassa_vat_code=int(vat_code) if vat_code is not None else None,
            tls_mode=tls_mode,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_names=tuple(n.strip() for n in (get("VATS_TLS_NAMES") or "").split(",") if n.strip()),
            trusted_proxies=proxies,
            retention_days=int(retention),
        )


def mask(value: str) -> str:
    """Hide a secret but keep enough to tell two values apart (never the whole of it)."""
    if "://" in value:  # a URL: keep scheme and host, hide credentials
        scheme, rest = value.split("://", 1)
        if "@" in rest:
            rest = "***@" + rest.rsplit("@", 1)[1]
        return f"{scheme}://{rest}"
    return "***" if len(value) < 12 else value[:2] + "***"


def describe(env: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, shown value, doc) for every setting; secrets masked, unset ones marked."""
    env = os.environ if env is None else env
    rows = []
    for s in SETTINGS:
        raw = env.get(s.name)
        if raw:
            shown = mask(raw) if s.secret else raw
        elif s.default is not None:
            shown = f"{s.default} (default)"
        else:
            shown = "(unset)"
        rows.append((s.name, shown, s.doc))
    return rows
