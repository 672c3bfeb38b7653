"""Migration: bring customers of an old-style virtual PBX into vats (seed 000, issue 19).

Sources are pluggable through ``register_migration_sources``; this plugin brings two: the old
cabinet's JSON export (``docs/migration.md``) and FreePBX's Bulk Handler extensions CSV. The
operator's ``vats migrate`` plans every customer (dry run: what would be created, every
problem), then creates them, each in one transaction, idempotently.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from vats.core import hookimpl
from vats.core.db.migrate import MigrationSource
from vats.core.migration_export import ExportSource
from vats.core.plugins import PluginAbout
from vats.plugins.migration.sources.freepbx import FreePbxExtensionsSource
from vats.plugins.migration.sources.json_export import JsonExportSource

vats_about = PluginAbout(
    title="Переезд со старой АТС",
    description="Перенос сотрудников, номеров и правил со старой АТС, соглашение и завершение переезда.",
    title_en="Migration from the old PBX",
    description_en="Brings employees, numbers and rules over from the old PBX; the agreement and the switch-over.",
)


@hookimpl
def register_migrations() -> Sequence[MigrationSource]:
    return [MigrationSource(package="migration", folder=Path(__file__).with_name("migrations"))]


@hookimpl
def register_migration_sources() -> Sequence[ExportSource]:
    return [JsonExportSource(), FreePbxExtensionsSource()]


@hookimpl
def register_routes() -> Sequence[Any]:
    from vats.plugins.migration.agreement_api import MigrationAgreementController, OperatorAgreementController
    from vats.plugins.migration.api import MigrationDraftsController
    from vats.plugins.migration.api_tenant import MigrationController

    return [MigrationDraftsController, OperatorAgreementController, MigrationAgreementController, MigrationController]


@hookimpl
def register_cabinet_pages() -> Sequence[Any]:
    """The wizard in the operator portal (/operator/migrations, ``wizard_pages.py``), the migration
    agreement there (``agreement_pages.py``), and a migrated PBX's banner and agreement pages in its
    cabinet (``tenant_pages.py``)."""
    from vats.plugins.migration.agreement_pages import operator_pages
    from vats.plugins.migration.tenant_pages import tenant_pages
    from vats.plugins.migration.wizard_pages import wizard_pages

    return [wizard_pages(), operator_pages(), tenant_pages()]


@hookimpl
def register_blocks() -> Sequence[type[Any]]:
    from vats.plugins.migration.legacy_rules import OldRules

    return [OldRules]


@hookimpl
def register_workers() -> Sequence[Any]:
    from vats.plugins.migration.completion import completion_worker

    return [completion_worker]


@hookimpl
def register_commands() -> Sequence[typer.Typer]:
    from vats.plugins.migration.cli import command

    return [command()]
