"""``vats operator create``, ``password`` and ``list``: the accounts that sign in to the
operator portal (/operator). The bearer token VATS_OPERATOR_TOKEN stays for automation.

The password is asked on the terminal (twice, hidden), or read as the first line of standard
input with ``--password-stdin`` (for scripts: a password never appears in the process list)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import msgspec
import typer
from vats.bots.cli.main import app, run, with_kernel
from vats.core.errors import ValidationError

if TYPE_CHECKING:  # imported where a command runs: `vats <anything>` loads this module
    from vats.core.kernel import Kernel

operator_app = typer.Typer(help="Operator accounts (the operator portal at /operator).", no_args_is_help=True)
app.add_typer(operator_app, name="operator")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValidationError("no terminal to ask the password on: give it with --password-stdin", field="password")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


@operator_app.command("create")
def operator_create(
    email: Annotated[str, typer.Option(help="the operator's e-mail (their log-in)")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of standard input")
    ] = False,
) -> None:
    """Create an operator account; print it as JSON (the password is never printed)."""
    password = _password(password_stdin)

    @with_kernel
    async def body(kernel: Kernel) -> None:
        from vats.core.operators.accounts import OperatorAccounts

        account = await OperatorAccounts(kernel.db, kernel.accounts).create(email, password)
        print(msgspec.json.encode(account).decode())

    run(body())


@operator_app.command("password")
def operator_password(
    email: Annotated[str, typer.Option(help="the operator's e-mail")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of standard input")
    ] = False,
) -> None:
    """Set an operator's new password; their portal sessions end at once."""
    password = _password(password_stdin)

    @with_kernel
    async def body(kernel: Kernel) -> None:
        from vats.core.operators.accounts import OperatorAccounts

        account = await OperatorAccounts(kernel.db, kernel.accounts).set_password(email, password)
        print(msgspec.json.encode(account).decode())

    run(body())


@operator_app.command("list")
def operator_list() -> None:
    """List operator accounts as JSON lines."""

    @with_kernel
    async def body(kernel: Kernel) -> None:
        from vats.core.operators.accounts import OperatorAccounts

        for account in await OperatorAccounts(kernel.db, kernel.accounts).list():
            print(msgspec.json.encode(account).decode())

    run(body())
