"""``vats asterisk``: render Asterisk's configuration, and run a real Asterisk sandbox."""

from __future__ import annotations

import asyncio
import os
import signal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import msgspec
import typer
from vats.bots.cli.main import app, fail, out, run, say, with_kernel

if TYPE_CHECKING:  # the sandbox (and jinja2, through the renderer) only when the command runs
    from vats.core.asterisk.sandbox import Sandbox
    from vats.core.kernel import Kernel

asterisk_app = typer.Typer(help="Asterisk: configuration and a real sandbox to call.", no_args_is_help=True)
app.add_typer(asterisk_app, name="asterisk")


@asterisk_app.command("render")
def render_command(
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write the configuration into")],
    ami_port: Annotated[int, typer.Option(help="AMI port of that Asterisk")] = 5038,
    sip_port: Annotated[int, typer.Option(help="SIP (UDP) port of that Asterisk")] = 5060,
) -> None:
    """Write Asterisk's configuration for every tenant (start Asterisk with -C OUT/asterisk.conf,
    or include the files from your own /etc/asterisk)."""
    from vats.core.asterisk.service import render_config

    @with_kernel
    async def body(kernel: Kernel) -> None:
        changed = await render_config(kernel, out_dir, ami_port=ami_port, sip_port=sip_port)
        out.print(f"{len(changed)} file(s) written to {out_dir}" if changed else f"{out_dir} is up to date")

    run(body())


@asterisk_app.command("sandbox")
def sandbox_command(
    sip_port: Annotated[int, typer.Option(help="SIP (UDP) port phones register to")] = 5060,
    ami_port: Annotated[int, typer.Option(help="AMI port")] = 5038,
) -> None:
    """Start a real Asterisk 22 (Debian sid chroot, provisioned on first use) wired to the vats
    that `vats serve` runs with the same settings: calls go through its router, records into its
    database. Needs root. Stops on Ctrl-C."""
    if os.geteuid() != 0:
        raise fail("the sandbox needs root (debootstrap, chroot, bind mounts)")
    from vats.core.asterisk.sandbox import Sandbox, SandboxError, cel_database, provision
    from vats.core.asterisk.service import ami_secret, render_config

    say("preparing the Asterisk root (first time: about a minute)...")
    try:
        root = provision()
    except SandboxError as exc:
        raise fail(str(exc)) from None

    @with_kernel
    async def body(kernel: Kernel) -> None:
        media_dir = kernel.config.media_dir
        media_dir.mkdir(parents=True, exist_ok=True)
        cel = cel_database(kernel.owner_url)
        shared = [media_dir] + ([Path(cel.hostname)] if cel.hostname.startswith("/") else [])
        sandbox = Sandbox(root, "sandbox", shared=shared, ami_port=ami_port)
        sandbox.prepare()
        settings = {"name": "sandbox", "ami_port": ami_port, "sip_port": sip_port, "cel": msgspec.to_builtins(cel)}
        (sandbox.conf_dir / "vats-sandbox.json").write_bytes(msgspec.json.encode(settings))
        await render_config(kernel, sandbox.conf_dir, name="sandbox", ami_port=ami_port, sip_port=sip_port, cel=cel)
        try:
            await asyncio.to_thread(sandbox.start)
        except SandboxError as exc:
            raise fail(str(exc)) from None
        secret = ami_secret(kernel)
        # values a person copies: never wrapped or cut, whatever the terminal's width
        show = partial(out.print, highlight=False, soft_wrap=True, markup=False)
        show(f"Asterisk 22 is up: SIP udp/{sip_port} on this host, AMI 127.0.0.1:{ami_port}.")
        show("Run `vats serve` with (or export them first):")
        show(f"  VATS_AMI_URL=ami://vats:{secret}@127.0.0.1:{ami_port}")
        show(f"  VATS_ASTERISK_CONF_DIR={sandbox.conf_dir}")
        show(
            "Phones register with an employee's SIP login and password: GET /api/employees/{id}/sip-credentials"
            " (an admin), GET /api/me/sip-credentials (the employee)."
        )
        out.file.flush()  # piped (| tee, a service's log), they show now, not when Asterisk stops
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waiter = asyncio.create_task(asyncio.to_thread(_wait_process, sandbox))
        await asyncio.wait([asyncio.create_task(stop.wait()), waiter], return_when=asyncio.FIRST_COMPLETED)
        sandbox.stop()
        show("Asterisk stopped")

    run(body())


def _wait_process(sandbox: Sandbox) -> None:
    if sandbox.process is not None:
        sandbox.process.wait()
