"""A real Asterisk 22 for tests and for trying calls (``vats asterisk sandbox``): Debian sid's
package in a chroot (``provision-root.sh`` beside this module provisions and caches it), started with the
configuration vats renders. The media folder and PostgreSQL's socket folder are bind-mounted
into the chroot at their own paths, inside a private mount namespace (``unshare``), so the
mounts disappear with the process and nothing is left mounted on the host."""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from vats.core.asterisk.mirror import NoMirror, debian_mirror
from vats.core.asterisk.render import CelDatabase
from vats.core.db.migrate import CEL_ROLE

PROVISION_SCRIPT = Path(__file__).with_name("provision-root.sh")


class SandboxError(RuntimeError):
    pass


def default_root() -> Path:
    return Path(os.environ.get("VATS_ASTERISK_ROOT", str(Path.home() / ".cache" / "vats" / "asterisk-root")))


def provision(root: Path | None = None) -> Path:
    """The cached chroot, provisioned on first use (needs root; about a minute)."""
    root = root or default_root()
    if (root / ".vats-ready-1").exists():
        return root
    # Several processes may ask at once (pytest-xdist workers, a bench next to a test run): one
    # provisions, the others wait for it and find the root ready.
    root.parent.mkdir(parents=True, exist_ok=True)
    with (root.parent / f".{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / ".vats-ready-1").exists():
            return root
        return _provision_now(root)


def _provision_now(root: Path) -> Path:
    script = PROVISION_SCRIPT
    try:
        mirror = debian_mirror()
    except NoMirror as exc:
        raise SandboxError(str(exc)) from None
    env = {**os.environ, "VATS_ASTERISK_ROOT": str(root), "VATS_DEBIAN_MIRROR": mirror}
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxError(f"could not provision Asterisk: {done.stderr.strip()[-800:]}")
    return root


def cel_database(database_url: str, *, password: str | None = None) -> CelDatabase:
    """cel_pgsql's settings for the database at ``database_url`` (TCP or a Unix-socket folder),
    as the role ``vats_cel`` (it may only insert into ``cel``). Over TCP the role needs a
    password: ``ALTER ROLE vats_cel PASSWORD '...'`` and VATS_CEL_PASSWORD."""
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    return CelDatabase(
        hostname=host, port=parts.port or 5432, dbname=parts.path.lstrip("/") or "postgres",
        user=CEL_ROLE, password=password or "",
    )  # fmt: skip


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sandbox:
    """One Asterisk process in the chroot, reading ``conf_dir`` (rendered by vats)."""

    def __init__(self, root: Path, name: str, *, shared: list[Path], ami_port: int, ephemeral: bool = False) -> None:
        self.root = root
        self.ephemeral = ephemeral  # tests and benchmarks: leave nothing of this instance in the root
        self.name = name
        self.shared = shared  # host folders Asterisk must see at the same path
        self.ami_port = ami_port
        self.conf_dir = root / "etc" / "vats-asterisk" / name
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = root / "var" / "log" / "vats-asterisk" / f"{name}.console"

    def prepare(self) -> None:
        # (/var/run is a symlink to /run in the chroot, which must not resolve on the host)
        for sub in ("var/lib/vats-asterisk", "var/spool/vats-asterisk", "var/log/vats-asterisk"):
            (self.root / sub / self.name).mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.root / "run" / "vats-asterisk" / self.name, ignore_errors=True)
        (self.root / "run" / "vats-asterisk" / self.name).mkdir(parents=True, exist_ok=True)
        self.conf_dir.mkdir(parents=True, exist_ok=True)

    def start(self, timeout_s: float = 30.0) -> None:
        if os.geteuid() != 0:
            raise SandboxError("the Asterisk sandbox needs root (chroot and bind mounts)")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        mounts = []
        for folder in self.shared:
            inside = self.root / str(folder).lstrip("/")
            inside.mkdir(parents=True, exist_ok=True)
            mounts.append(f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(inside))}")
        conf = f"/etc/vats-asterisk/{self.name}/asterisk.conf"
        script = " && ".join([*mounts, f"exec chroot {shlex.quote(str(self.root))} /usr/sbin/asterisk -f -n -C {conf}"])
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxError(f"Asterisk exited at start: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.ami_port), timeout=0.5) as s:
                    if s.recv(64).startswith(b"Asterisk Call Manager"):
                        # the AMI port opens before every module has loaded
                        self.cli("core waitfullybooted", timeout_s=max(1.0, deadline - time.monotonic()))
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SandboxError(f"Asterisk did not open its AMI port in {timeout_s:.0f} s: {self.log_tail()}")

    def cli(self, command: str, timeout_s: float = 15.0) -> str:
        """Run an Asterisk CLI command through the control socket."""
        conf = f"/etc/vats-asterisk/{self.name}/asterisk.conf"
        done = subprocess.run(
            ["chroot", str(self.root), "/usr/sbin/asterisk", "-C", conf, "-rx", command],
            capture_output=True, text=True, timeout=timeout_s,
        )  # fmt: skip
        return done.stdout

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        self.process = None
        if self.ephemeral:
            for sub in ("etc/vats-asterisk", "run/vats-asterisk", "var/lib/vats-asterisk", "var/spool/vats-asterisk"):
                shutil.rmtree(self.root / sub / self.name, ignore_errors=True)
