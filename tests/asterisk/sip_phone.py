"""baresip, a real SIP phone, run in the Asterisk chroot: registers with a rendered SIP line and
answers by itself (``answermode=auto``), playing an 8 kHz WAV (its ``ausine`` needs 48 kHz)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import wave
from pathlib import Path

from vats.core.asterisk.sandbox import free_port
from vats.core.media.standard import standard_path


class SipPhone:
    def __init__(self, root: Path, login: str, password: str, sip_port: int, *, talk_repeats: int = 1) -> None:
        self.root = root
        # The chroot is shared by every test process (pytest-xdist workers): the folder is this
        # process's own, since two workers' tenants may hand out the same log-in.
        self.folder = root / "tmp" / f"baresip-{os.getpid()}-{login}"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        # baresip hangs up when its WAV ends (the greeting: five seconds); repeat it for longer calls
        with (
            wave.open(str(standard_path("greeting"))) as source,
            wave.open(str(self.folder / "voice.wav"), "wb") as out,
        ):
            out.setparams(source.getparams())
            frames = source.readframes(source.getnframes())
            out.writeframes(frames * talk_repeats)
        inside = f"/tmp/{self.folder.name}"
        self._configure(inside)
        (self.folder / "accounts").write_text(
            f"<sip:{login}@127.0.0.1:{sip_port};transport=udp>;auth_pass={password};answermode=auto;regint=60\n"
        )
        self.log = self.folder / "baresip.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.inside = inside

    def _configure(self, inside: str) -> None:
        (self.folder / "config").write_text(
            f"poll_method epoll\nsip_listen 127.0.0.1:{free_port()}\n"
            f"audio_player aufile,{inside}/heard.wav\naudio_source aufile,{inside}/voice.wav\n"
            f"audio_alert aufile,{inside}/alert.wav\nmodule_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule aufile.so\nmodule stdio.so\nmodule_tmp uuid.so\nmodule_tmp account.so\nmodule_app menu.so\n"
        )

    def start(self) -> None:
        # baresip also listens on the next ports (TCP, TLS), which another process may hold: it
        # then says so and quits at once; start it again on other ports.
        for _ in range(3):
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    ["chroot", str(self.root), "baresip", "-f", self.inside],
                    stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            deadline = time.monotonic() + 5
            while "baresip is ready" not in self.output() and self.process.poll() is None:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
            if "Address already in use" not in self.output():
                return
            self.stop()
            self._configure(self.inside)

    def command(self, text: str) -> None:
        """Type a command at baresip's console, e.g. ``/dial 301`` or ``/hangup``."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def heard(self) -> Path:
        """What the phone heard on its last call (a WAV file, written while the call lasts)."""
        return self.folder / "heard.wav"

    def dial(self, uri: str) -> None:
        """Place a call, as a person typing it into the phone (baresip's menu on its stdin)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"/dial {uri}\n".encode())
        self.process.stdin.flush()

    def hang_up(self) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(b"/hangup\n")
        self.process.stdin.flush()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, text: str, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.output():
            assert time.monotonic() < deadline, f"baresip never said {text!r}: {self.output()[-1500:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
