"""``vats migrate``: the operator imports many customers' exports at once.

``vats migrate --dry-run FILE...`` reports per customer what would be created and every problem;
``vats migrate FILE...`` runs the same checks, refuses if any customer has a problem (nothing is
created; ``--skip-problems`` creates the others), then creates each customer with a progress
bar (count, rate, ETA) on stderr and prints a summary. Running it again creates nothing twice.
Refusals (a missing or oversized file, an unknown source, a file that cannot be parsed) are one
line on stderr with exit code 2; problems found in customers end with exit code 1.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from vats.core.errors import ValidationError
from vats.core.migration_export import ExportSource, SourceError
from vats.plugins.migration.reading import DEFAULT_LIMIT_MB, choose
from vats.plugins.migration.run import CustomerReport, DryRun, Outcome, dry_run, migrate


class RateColumn(ProgressColumn):
    """Customers per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f}/s")


def _print_customer(report: CustomerReport) -> None:
    head = f"{report.customer_id} «{report.name}» ({report.file})"
    if report.imported_tenant is not None:
        print(f"{head}: already imported (PBX {report.imported_tenant}), nothing to create")
        return
    without = f", {report.without_email} without an e-mail yet" if report.without_email else ""
    verb = f"{len(report.problems)} problem(s); once fixed it would create" if report.problems else "would create"
    print(
        f"{head}: {verb} a PBX, {report.employees} employees{without}, {report.lines} SIP lines kept,"
        f" {report.numbers} numbers"
    )
    for problem in report.problems:
        print(f"  problem at {problem.place}: {problem.message}")


def _print_dry_summary(summary: DryRun) -> None:
    print(
        f"{summary.customers} customers: {summary.customers - summary.with_problems - summary.already_imported} ready"
        f" ({summary.employees} employees, {summary.lines} SIP lines, {summary.numbers} numbers),"
        f" {summary.with_problems} with problems, {summary.already_imported} already imported"
    )


def _print_outcome(outcome: Outcome) -> None:
    rate = outcome.created / outcome.seconds if outcome.seconds else 0.0
    print(
        f"created {outcome.created} customers ({outcome.employees} employees, {outcome.lines} SIP lines,"
        f" {outcome.numbers} numbers) in {outcome.seconds:.1f} s ({rate:.1f}/s);"
        f" {outcome.already_imported} already imported, {outcome.skipped_with_problems} skipped with problems,"
        f" {len(outcome.failed)} failed; {outcome.invitations} invitations sent"
    )
    for failure in outcome.failed:
        print(f"  failed: {failure}")


async def _run(
    source: ExportSource,
    files: list[Path],
    limit_mb: float,
    *,
    dry: bool,
    skip_problems: bool,
    verbose: bool,
    invite: bool,
) -> int:
    from vats.core.config import Config
    from vats.core.kernel import Kernel

    kernel = await Kernel(Config.from_env()).start()
    try:
        if dry:
            summary = await dry_run(kernel, source, files, limit_mb, _print_customer)
            _print_dry_summary(summary)
            return 0 if summary.ok else 1
        console = Console(file=sys.stderr)
        columns = (
            TextColumn("creating"), BarColumn(), MofNCompleteColumn(), RateColumn(), TextColumn("ETA"),
            TimeRemainingColumn(),
        )  # fmt: skip
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("customers", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            checked, outcome = await migrate(
                kernel, source, files, limit_mb, skip_problems=skip_problems, invite=invite,
                on_customer=_print_customer if verbose else _print_problems_only, progress=progress,
            )  # fmt: skip
        _print_dry_summary(checked)
        if outcome is None:
            print("nothing was created: fix the problems above, or run with --skip-problems")
            return 1
        _print_outcome(outcome)
        return 1 if outcome.failed else 0
    finally:
        await kernel.stop()


def _print_problems_only(report: CustomerReport) -> None:
    if report.problems:
        _print_customer(report)


def command() -> typer.Typer:
    app = typer.Typer(
        name="migrate",
        help="Import customers of an old PBX (the old cabinet's JSON export, FreePBX's extensions CSV).",
        invoke_without_command=True,
        no_args_is_help=True,
    )

    @app.callback()
    def migrate_command(
        files: Annotated[list[Path], typer.Argument(help="export files (each checked against --max-size-mb)")],
        source: Annotated[str, typer.Option(help="the files' format: json, freepbx-csv, or a plugin's")] = "json",
        dry_run_: Annotated[
            bool, typer.Option("--dry-run", help="report what would be created and every problem; create nothing")
        ] = False,
        max_size_mb: Annotated[
            float, typer.Option("--max-size-mb", help="refuse files larger than this, before parsing", min=0.001)
        ] = DEFAULT_LIMIT_MB,
        skip_problems: Annotated[
            bool, typer.Option("--skip-problems", help="create the customers without problems, skip the others")
        ] = False,
        verbose: Annotated[
            bool, typer.Option("--verbose", help="list every customer, not only those with problems")
        ] = False,
        invite: Annotated[
            bool, typer.Option("--invite", help="e-mail the invitation to every employee with a real e-mail")
        ] = False,
    ) -> None:
        from vats.core.plugins import PluginHost

        host = PluginHost()
        host.load_installed(_allowed_plugins())
        chosen = choose(list(host.collect("register_migration_sources")), source)
        try:
            code = asyncio.run(
                _run(
                    chosen,
                    files,
                    max_size_mb,
                    dry=dry_run_,
                    skip_problems=skip_problems,
                    verbose=verbose,
                    invite=invite,
                )
            )
        except SourceError as exc:
            raise ValidationError(f"{exc.place}: {exc.message}", field="file") from None
        raise typer.Exit(code)

    return app


def _allowed_plugins() -> frozenset[str] | None:
    from vats.core.config import Config

    return Config.from_env().plugins
