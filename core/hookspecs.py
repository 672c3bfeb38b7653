# mypy: disable-error-code="empty-body"
"""The hooks a vats plugin may implement.

Two kinds, as in datasette and simonw/llm:

* registration hooks (``register_*``) are called once at start-up, synchronously; they return
  lists of objects (migration folders, block types, API controllers, bot routers, CLI
  commands) whose own methods may be async;
* event hooks (``tenant_created``, ``employee_changed``, ...) are called by the kernel after
  something happened, with a database connection inside the transaction that did it; an
  implementation may be a plain function or return an awaitable, which the kernel awaits.
  Each implementation runs in its own savepoint: one that raises is logged with its plugin's
  name and rolled back, and the others still run.

The kernel calls every hook through ``PluginHost.each`` (core/plugins.py), in pluggy's order:
tryfirst implementations, then plain ones last-registered-first, then trylast ones. Hook
wrappers are refused at registration. Always call hooks with keyword arguments. Every hook
here is documented, with an example, in ``docs/plugins.md`` (a test fails when one is missing there or has no test).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import pluggy

if TYPE_CHECKING:
    from vats.core.bot import AlertButton
    from vats.core.calls.budget import CallBudget
    from vats.core.calls.models import CallRecord
    from vats.core.config import Config
    from vats.core.db.database import Connection, Database
    from vats.core.db.migrate import MigrationSource
    from vats.core.directory.models import Number, Reference, Tenant
    from vats.core.engine.forms import BlockFormPart
    from vats.core.migration_export import ExportSource
    from vats.core.payments import PaymentGateway
    from vats.core.protocols import KernelAPI
    from vats.core.regions import CallerRegion
    from vats.core.sms import SmsProvider
    from vats.core.tasks import TaskNotice
    from vats.core.workers import Worker

T = TypeVar("T")
# An event or lookup hook's implementation may be a plain function or return an awaitable (the
# kernel awaits it): what it answers, either way.
Answer: TypeAlias = "T | Awaitable[T]"

hookspec = pluggy.HookspecMarker("vats")
hookimpl = pluggy.HookimplMarker("vats")


# --- registration hooks -------------------------------------------------------------------


@hookspec
def register_migrations() -> Sequence[MigrationSource]:
    """Return the plugin's SQL migration folders.

    Called by ``vats db migrate`` and ``vats serve`` before anything else. Each folder holds
    ``NNNN_name.sql`` files applied once, in name order, after the kernel's own. A table with
    a ``tenant_id`` column must get row-level security: end the migration with
    ``SELECT vats_enable_tenant_rls('my_table');``.
    """


@hookspec
def register_blocks() -> Sequence[type[Any]]:
    """Return scenario block types: msgspec Structs declared with a ``tag`` (``type`` field).

    Called once at start-up; the kernel joins the blocks of all plugins into one tagged union,
    so a third-party block decodes from JSON exactly like a built-in one.
    """


@hookspec
def register_block_forms() -> Sequence[BlockFormPart]:
    """Return the cabinet's scenario-editor form parts for the plugin's blocks (one per tag).

    Called when the cabinet draws or reads the scenario editor. A form part names the block's
    tag, the stages it is offered in and its fields (``vats.core.engine.forms``); the cabinet
    reads the fields back into the block's stored form and saves through the API's checks. A
    block without a form part is edited as JSON.
    """


@hookspec
def register_routes() -> Sequence[Any]:
    """Return Litestar route handlers or controllers to mount in the cabinet API.

    Called once when the web app is built. Return new objects on every call (an app may be
    built more than once, e.g. in tests).
    """


@hookspec
def register_cabinet_pages() -> Sequence[Any]:
    """Return ``vats.bots.web.cabinet.kit.CabinetPages`` objects: pages for the web cabinet
    (``area="tenant"``) or the operator portal (``area="operator"``), with their menu entries,
    template folder and texts in Russian and English.

    Called once when the web app is built; return new objects on every call. The cabinet
    mounts the controllers behind its cookie session and CSRF check, answers 404 and hides the
    menu entries for a tenant who switched the plugin off, and shows each entry to the roles it
    names. Typed ``Any`` here because the kernel does not import the web frontend.
    """


@hookspec
def register_dashboard_widgets() -> Sequence[Any]:
    """Return ``vats.bots.web.cabinet.kit.DashboardWidget`` objects: blocks on the cabinet's
    dashboard (Work → Рабочий стол), each a template and an async ``load(request)`` that gives it
    its data for the person looking (``None`` shows nothing).

    A widget's ``area`` puts it on the cabinet's dashboard ("tenant", the default) or on the
    operator portal's Сводка ("operator", seen by every operator, across PBXs).

    Called once, on the first dashboard shown. The dashboard shows a widget to the roles it
    names, in ``order``, and leaves out the widgets of a plugin the tenant switched off; a widget
    whose ``load`` raises is logged and left out. Typed ``Any`` here because the kernel does not
    import the web frontend.
    """


@hookspec
def register_bot_routers() -> Sequence[Any]:
    """Return aiogram ``Router`` objects to include in the Telegram bot's dispatcher.

    Called when the dispatcher is built. A Router attaches to one dispatcher only, so return
    new Router objects on every call.
    """


@hookspec
def register_commands() -> Sequence[Any]:
    """Return ``typer.Typer`` apps, each created with a ``name``, to add to ``vats``.

    Called when the ``vats`` command line starts; ``vats NAME ...`` then runs the plugin's
    commands. A name that clashes with a built-in command is ignored with a warning.
    """


@hookspec
def register_workers() -> Sequence[Worker]:
    """Return background workers for ``vats serve``: async callables ``worker(kernel)``.

    Called once when ``vats serve`` starts (after ``startup``); each worker runs as its own
    asyncio task until vats stops (then it is cancelled). A worker that raises is logged with
    its plugin's name and restarted after a pause, so keep its state in the database (e.g. an
    outbox table) rather than in memory.
    """


@hookspec
def register_payment_gateways(config: Config) -> Sequence[PaymentGateway]:
    """Return payment gateways (``vats.core.payments.PaymentGateway``) configured by ``config``.

    Called once per kernel by a billing plugin, the first time it takes a payment. Return no
    gateway when the plugin's settings are missing. Gateways whose ``test`` is false win over
    test ones (a fake, a test shop); among equals, the first in hook order.
    """


@hookspec
def register_migration_sources() -> Sequence[ExportSource]:
    """Return sources a customer's old PBX can be migrated from (``vats.core.migration_export``).

    Called by the migration plugin (``vats migrate --source NAME``) when it reads an export.
    A source has a unique ``name``, a one-line ``description`` and ``read(path)``, which yields
    the file's customers one at a time as ``OldCustomer`` Structs (the old cabinet's export
    format, version 1), streaming rather than loading the file, and raises ``SourceError``
    naming the place (line, JSON path) of the first problem. The caller refuses files over the
    operator's size limit before calling ``read``. Not ``register_migrations``: that one is
    for SQL migration folders.
    """


@hookspec(firstresult=True)
def lookup_region(number: str) -> CallerRegion | None:
    """Where a caller's number is from: its federal subjects (ISO 3166-2 codes) and operator.

    ``number`` is E.164. Called by the routing engine for region filters, synchronously and
    on every call, so answer from memory (load what you need in ``startup``). The first
    plugin that answers wins (plugins for other countries return None for numbers not theirs).
    """


# lookup_contact and ring_state answer a CallerContact and a RingState (engine.context); typed
# ``object`` because engine.context reaches this module (through the snapshot and PluginHost),
# so importing them here would close a cycle.
@hookspec
def lookup_contact(tenant_id: uuid.UUID, number: str) -> Answer[object]:
    """The caller's contact in a tenant: name, tags (tag filters) and personal manager.

    Called by the routing engine at the first step of every inbound call. Return a
    ``CallerContact``, None, or an awaitable of either; the first non-None answer is used.
    Without a CRM plugin every caller is unknown.
    """


@hookspec
def contact_name(tenant_id: uuid.UUID, number: str, conn: Connection) -> Answer[str | None]:
    """The name a tenant's contacts give ``number`` (E.164, as the caller's number arrives), for
    people to read: the webphone's incoming-call pop-up. Asked in the tenant's transaction
    (``conn``); the first non-None answer is used. Without a CRM plugin no caller is named."""


@hookspec
def ring_state(tenant_id: uuid.UUID, employee_ids: list[uuid.UUID]) -> Answer[object]:
    """What ring strategies need: who is on a call now, and when each finished their last call.

    The only way live state reaches the routing engine: it asks at every step, before any
    block runs, so answer from memory. Return a ``RingState``, None (nothing to add), or an
    awaitable of either. Answers of several plugins are merged (busy: union; idle since: the
    latest). The kernel answers "idle since" from its ring memory (table ``ring_memory``, who
    finished an answered call when, shared by every process); telephony answers "busy" from
    the AMI device states while it runs; during a simulation the simulator answers "busy"
    from its script, for that run only, and telephony stays silent.
    """


@hookspec
def snapshot_extras(tenant_id: uuid.UUID, conn: Connection) -> Answer[dict[str, object] | None]:
    """Add the plugin's routing data to a tenant's in-memory snapshot (e.g. IVR menus).

    Called (inside the loading transaction, scoped to the tenant) whenever the snapshot is
    rebuilt; return a dict (or an awaitable of one) merged into ``snapshot.extras``. Make your
    tables notify changes: ``CREATE TRIGGER ... EXECUTE FUNCTION vats_notify_config()``.
    """


@hookspec
def startup(db: Database) -> Answer[None]:
    """The kernel has started: migrations applied, the database pool open.

    Load in-memory state here (e.g. a numbering plan). May return an awaitable; an exception
    is logged with the plugin's name and does not stop the start.
    """


@hookspec
def shutdown() -> Answer[None]:
    """The kernel is stopping (before the database pool closes): stop what ``startup`` started.

    May return an awaitable; an exception is logged with the plugin's name.
    """


# --- event hooks --------------------------------------------------------------------------


@hookspec
def tenant_created(tenant: Tenant, admin_id: uuid.UUID, conn: Connection) -> Answer[None]:
    """A tenant was created (with its first admin, default schedule and calendar).

    Called inside the creating transaction, scoped to the new tenant: add the plugin's defaults
    here (e.g. the default scenario). May return an awaitable.
    """


@hookspec
def employee_changed(tenant_id: uuid.UUID, employee_id: uuid.UUID, change: str, conn: Connection) -> Answer[None]:
    """An employee was ``"created"``, ``"updated"`` or ``"deleted"``, or the operator made them an
    admin (``"promoted_by_operator"``, an update the audit log tells apart).

    Called inside the transaction that made the change, scoped to the tenant. May return an
    awaitable.
    """


@hookspec
def group_changed(tenant_id: uuid.UUID, group_id: uuid.UUID, change: str, conn: Connection) -> Answer[None]:
    """A group was ``"created"``, ``"updated"`` (members included) or ``"deleted"``.

    Called inside the transaction that made the change, scoped to the tenant.
    """


@hookspec
def number_assigned(tenant_id: uuid.UUID, number: Number, conn: Connection) -> Answer[None]:
    """The operator assigned a number (DID) to a tenant.

    Called inside the assigning transaction, scoped to the tenant: e.g. bind it to the
    tenant's default scenario.
    """


@hookspec
def call_ended(tenant_id: uuid.UUID, record: CallRecord, conn: Connection, kernel: KernelAPI) -> Answer[None]:
    """A call ended (really, or in the simulator with ``--record``): its one CallRecord.

    Called inside the transaction that stores the record, scoped to the tenant: the CRM creates
    history, missed-call and voicemail tasks here from ``record.participants`` and
    ``record.intents``. ``kernel`` is the running Kernel (to announce further events, e.g.
    ``kernel.plugins.emit("task_created", ...)``). May return an awaitable.
    """


@hookspec
def calls_ended(
    tenant_id: uuid.UUID, records: Sequence[CallRecord], conn: Connection, kernel: KernelAPI
) -> Answer[None]:
    """Calls ended: a batch of one tenant's CallRecords, as the call-record reader stores them
    (up to 50 per transaction; one record when a call is stored alone, e.g. the simulator).

    Called once per batch inside the transaction that stores the records, scoped to the tenant,
    before ``call_ended`` is called for each record: for plugins that handle many records with
    one set-based statement (billing rates a batch with one INSERT). Implement this hook or
    ``call_ended``, not both, or each record reaches you twice. Failures keep ``call_ended``'s
    rule, per record: an implementation that raises is rolled back to its own savepoint and
    then called again with each record alone (each in its own savepoint), so only its work on
    the records it fails on is lost; other plugins' work and the records stay. Records may
    come again (a replay): make the work idempotent. May return an awaitable.
    """


@hookspec
def recordings_removed(
    tenant_id: uuid.UUID, call_ids: list[uuid.UUID], files: list[str], conn: Connection
) -> Answer[None]:
    """Calls' recordings and voicemail outlived the tenant's retention period and are being removed.

    Called inside the transaction that takes them out of the calls' records, scoped to the
    tenant; the files are deleted after it commits. ``call_ids`` are the records' ids,
    ``files`` the removed files' paths: drop every link to them (the CRM's history flags, a
    voicemail task's attachment). May return an awaitable.
    """


@hookspec
def collect_references(
    tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection
) -> Answer[list[Reference] | None]:
    """Say what of the plugin's still refers to an object about to be deleted.

    ``kind`` is ``"employee"``, ``"group"``, ``"schedule"``, ``"calendar"`` or ``"media"`` (a
    media chain or an uploaded recording: the id a media reference names). Return (or return an
    awaitable of) a list of ``Reference``; a non-empty list makes the deletion refuse (409,
    listing them all with the kernel's own, e.g. the scenarios) unless forced. Called inside the
    deleting transaction, scoped to the tenant, which holds the tenant's lock.
    """


@hookspec
def drop_references(tenant_id: uuid.UUID, kind: str, object_id: uuid.UUID, conn: Connection) -> Answer[None]:
    """A forced deletion is about to remove an object: remove the plugin's references to it,
    leaving what referred to it valid (``kind`` as in ``collect_references``).

    Called inside the deleting transaction, before the row goes.
    """


@hookspec
def task_created(tenant_id: uuid.UUID, task: TaskNotice, conn: Connection, kernel: KernelAPI) -> Answer[None]:
    """A CRM created a task (a missed call, voicemail, callback request, or by hand).

    Called inside the creating transaction, scoped to the tenant, so a notifier can write its
    outbox row atomically with the task (nothing is lost if it cannot deliver now). A
    duplicate that only raised the counter of an open task is not announced again. ``kernel``
    is the running kernel (e.g. to ask other plugins through ``kernel.plugins.emit``).
    """


@hookspec
def task_assigned(tenant_id: uuid.UUID, task: TaskNotice, conn: Connection, kernel: KernelAPI) -> Answer[None]:
    """A task was reassigned to another employee or group (``task.assignee_*`` is the new one).

    Called inside the reassigning transaction, scoped to the tenant.
    """


@hookspec
def crm_event(tenant_id: uuid.UUID, kind: str, payload: dict[str, Any], conn: Connection) -> Answer[None]:
    """Something a CRM integration may push outward: ``kind`` is ``"call"``, ``"contact"`` or ``"task"``.

    ``payload`` is plain JSON data: the object, and for every employee it names their external
    CRM user id (``*_external_id``) when the tenant mapped one. Called inside the transaction
    that made the change, scoped to the tenant: write an outbox row and deliver later.
    """


@hookspec
def task_alert_buttons(
    tenant_id: uuid.UUID, task: TaskNotice, language: str, conn: Connection
) -> Answer[Sequence[AlertButton] | None]:
    """Return :class:`vats.core.bot.AlertButton` objects for the Telegram alert of ``task``.

    Called by the Telegram bot inside the transaction that created or reassigned the task,
    when it writes the alert to its outbox, once per recipient language (``"ru"`` or
    ``"en"``). Each button becomes one row of the alert's inline keyboard; the plugin's own
    bot router (``register_bot_routers``) answers its ``callback_data``.
    """


@hookspec
def daily_digest(tenant_id: uuid.UUID, language: str, conn: Connection) -> Answer[str | None]:
    """Return a paragraph for the admins' daily Telegram digest (plain text), or None.

    Called by the Telegram bot once a day per tenant (at 09:00 in the tenant's time zone) when
    at least one admin has linked the bot; the paragraphs of all plugins make one message.
    """


@hookspec
def billing_event(
    tenant_id: uuid.UUID, kind: str, payload: dict[str, Any], conn: Connection, kernel: KernelAPI
) -> Answer[None]:
    """Money moved in a tenant's account, announced by a billing plugin.

    ``kind`` ``"balance_changed"``: ``payload`` has ``before_kop``, ``after_kop``, ``amount_kop``
    (integer kopecks) and ``movement`` (the ledger row as plain JSON: ``id``, ``kind``,
    ``reason``, ``reference``, ...). ``"monthly_charge"``: a period was charged (``period_start``,
    ``period_end``, ``total_kop``, ``items``). Non-payment (``balance_kop``, ``credit_limit_kop``,
    and when suspension is on ``suspend_on``, ``days_left``): ``"below_limit"`` (the first day
    below the credit limit), ``"suspension_warning"`` (each of the last days before),
    ``"tenant_suspended"``, ``"tenant_resumed"``. ``"number_bought"``: a number of the
    operator's catalogue was bought (``number`` in E.164, ``number_id``, ``city``, ``category``,
    ``price_kop``, ``monthly_kop``, ``prorated_kop``, ``charged_kop`` taken at once,
    ``balance_kop`` after, ``actor`` the admin's e-mail). ``"documents_made"``: an invoice or a
    month's closing documents were made (``documents``: each with ``id``, ``kind`` ``invoice``,
    ``upd`` or ``reconciliation``, ``number``, ``year``, ``title``, ``amount_kop``,
    ``period_start``/``period_end`` or None, ``path`` of its PDF in the cabinet). Further kinds (payment received,
    autopay failed, ...) come with later billing steps (docs/billing.md lists them all).
    Called inside the transaction that moved the money, scoped to the tenant: e.g. write an
    outbox row for a low-balance e-mail.
    """


@hookspec
def message_employees(
    tenant_id: uuid.UUID, employee_ids: list[uuid.UUID], kind: str, texts: dict[str, str], conn: Connection
) -> Answer[int | None]:
    """Send a short text to these employees through a messenger (the Telegram bot: those who
    linked it). ``texts`` holds the text by language (``"ru"``, ``"en"``; each employee gets
    theirs, Russian when theirs is missing). Called inside the caller's transaction: write an
    outbox row per employee reached. Answer how many were reached (None or 0: none).
    """


@hookspec(firstresult=True)
def sms_provider(kernel: KernelAPI) -> Answer[SmsProvider | None]:
    """The way SMS go out: an object with ``name`` and ``async send(to, text) -> Outcome``
    (``vats.core.sms.SmsProvider``). Asked when an SMS is sent; the first plugin that answers
    wins (the notifications plugin answers last, with the operator's generic HTTP provider,
    when one is configured). Return None to leave it to others.
    """


@hookspec
def migration_completed(
    tenant_id: uuid.UUID, summary: dict[str, Any], conn: Connection, kernel: KernelAPI
) -> Answer[None]:
    """A migration of a tenant's data into vats (from another PBX) has finished.

    ``summary`` is plain JSON: ``source`` (what it came from), ``counts`` (``{"employees": 12,
    ...}``) and ``warnings`` (a list of strings). Fired by the migration plugin inside the
    transaction that marks the migration done, scoped to the tenant: e.g. write an outbox row
    telling the tenant's admins.
    """


@hookspec
def import_contacts(tenant_id: uuid.UUID, contacts: list[dict[str, Any]], conn: Connection) -> Answer[int | None]:
    """Contacts brought from another system (a migration) for a plugin that keeps contacts.

    Each contact is plain JSON: ``name``, ``numbers`` (E.164) and ``tags`` (contact tag names,
    e.g. the old cabinet's VIP lists, which scenarios' tag filters match). Called by the
    migration plugin when it creates a migrated PBX, in that transaction, scoped to the tenant.
    Idempotent: a number already a contact keeps it (and gains the tags). Returns how many
    contacts were stored, or None if the plugin keeps no contacts.
    """


@hookspec
def tenant_balance(tenant_id: uuid.UUID, kernel: KernelAPI) -> Answer[int | None]:
    """A tenant's balance in integer kopecks (or an awaitable of it), from the billing plugin.

    Ask it with ``await kernel.plugins.first("tenant_balance", tenant_id=...)``: None when no
    billing plugin is loaded (then skip money checks). Answered in its own transaction.
    """


@hookspec
def tenant_seats_included(tenant_id: uuid.UUID, conn: Connection, kernel: KernelAPI) -> Answer[int | None]:
    """How many seats (employees) a tenant's price includes: its tariff's, from the billing
    plugin (the kernel keeps no such number; it used to be ``tenants.seats_included``).

    Ask it with ``await kernel.plugins.first("tenant_seats_included", tenant_id=...,
    isolate_in=conn)`` inside a transaction; for a PBX not created yet (``tenant_id`` the nil
    UUID, no tenant's) answer what a new one would get. None when no billing plugin is loaded:
    nothing is included because nothing is billed, and the seat maximum's only floor is 1 (and
    the employees the PBX has).
    """


@hookspec
def call_budget(
    tenant_id: uuid.UUID, destination: str, call_id: str, conn: Connection, kernel: KernelAPI
) -> Answer[CallBudget | None]:
    """May a call an employee's phone places to ``destination`` (E.164) go out, and for how long.

    Asked by the router for every outbound call the tenant's rules allowed, inside the
    router's transaction (system scope; ``conn``), before the call is dialled: answer a
    ``vats.core.calls.budget.CallBudget`` (refused, or allowed with a maximum talk time in
    seconds, or allowed without limit), or None (no opinion: the call goes out unlimited, as
    it does when no billing plugin is loaded). ``call_id`` is Asterisk's linkedid of the call,
    which its ``CallRecord.linkedid`` carries to ``call_ended``: a plugin that reserves money
    for the call releases it there (an allowed call's record has the step ``"budget: <why>"``
    in its ``path``). Asked on every call: answer with one statement at most.
    """


@hookspec
def tenant_may_use(tenant_id: uuid.UUID, feature: str, conn: Connection, kernel: KernelAPI) -> Answer[bool | None]:
    """May this tenant use the paid feature ``feature`` (e.g. ``"recording"``, see
    ``vats.core.features``): True, False, or None (no opinion).

    Ask it with ``await vats.core.features.may_use(kernel.plugins, tenant_id, feature, conn)``
    inside a transaction: the feature is refused when any plugin answers False, allowed
    otherwise (None from every plugin, or no plugin: nothing is billed, so everything is
    allowed). The billing plugin answers from the tenant's tariff and the "+" options it took.
    Asked when a tenant's routing snapshot is loaded (inbound recording), on every outbound
    call (its recording) and by the cabinet's pages that switch a feature on: answer with one
    statement at most.
    """
