"""bench/asterisk: call set-ups per second and concurrent calls through a real Asterisk 22 and
the router, next to a baseline in the same run: the same dialplan with an echo AGI handler
that replays the replies the router gave for such a call (so Asterisk does the same work and
only the routing differs). Media of 100 ms; dialplan phones that answer at once.

    python bench/asterisk/run.py            # 2,000 calls per side; 500 concurrent held 30 s
    python bench/asterisk/run.py --smoke    # 200 calls per side; 50 concurrent held 3 s (CI)

The scenario: a region filter, a 100 ms greeting, then forwarding to a 20-member group with
the uniform strategy and a queue; the caller's region is looked up in the numbering plan.
Goals (issue 5): >= 300 set-ups per second, 500 concurrent calls held 30 s with zero failed
calls, the router within 20% of the echo handler's set-up rate. Needs root (the sandbox).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from vats.core.asterisk.ami import AmiClient, AmiError
from vats.core.asterisk.render import RenderInput, Settings, render, write
from vats.core.asterisk.sandbox import Sandbox, cel_database, free_port, provision
from vats.core.asterisk.service import Telephony, ami_secret, install_standard_media
from vats.core.asterisk.wire import Dialing, reply_line
from vats.core.config import Config
from vats.core.directory.models import EmployeeCreate, GroupCreate
from vats.core.kernel import Kernel, ensure_database, with_database
from vats.plugins import numbering_ru
from vats.plugins.numbering_ru.registry import import_files

from bench.common import throwaway_postgres

DID = "+74951000001"
PHONES = r"""
[vats-bench-phones]
exten => _X.,1,Answer()
 same => n,UserEvent(BenchAnswered)
 same => n,Wait(${BENCH_HOLD})
 same => n,Hangup()
exten => h,1,UserEvent(BenchEnded)

; the harness alone, without vats-in (BENCH_TRIVIAL=1): what originating costs by itself
[vats-bench-trivial]
exten => s,1,Answer()
 same => n,UserEvent(BenchAnswered)
 same => n,Wait(${BENCH_HOLD})
 same => n,Hangup()

[vats-bench-caller]
exten => s,1,Wait(${BENCH_CALLER_HOLD})
 same => n,Hangup()
"""


async def setup(kernel: Kernel) -> None:
    d = kernel.directory
    created = await d.create_tenant(name="Bench", admin_email="admin@bench.example", seats_max=100)
    tid = created.tenant_id
    ids = []
    for i in range(20):
        emp, _ = await d.create_employee(tid, EmployeeCreate(
            full_name=f"Оператор {i:02d}", email=f"op{i}@bench.example", extension=str(300 + i), availability="available"))  # fmt: skip
        ids.append(emp.id)
    group = await d.create_group(tid, GroupCreate(name="Продажи", extension="200", strategy="uniform", member_ids=ids))
    assert kernel.db is not None
    async with kernel.db.tenant(tid) as conn:  # one phone per operator (a softphone each), as in a call centre
        await conn.execute(
            "UPDATE terminals t SET active = false WHERE tenant_id = $1 AND id <> (SELECT u.id FROM terminals u"
            " WHERE u.tenant_id = t.tenant_id AND u.employee_id = t.employee_id ORDER BY u.position, u.id LIMIT 1)",
            tid,
        )
    branch = {
        "options": {"greeting": ["standard:bench_tone"]},  # 100 ms, written by short_greeting()
        "handling": {"type": "forward", "targets": [{"kind": "group", "id": str(group.id)}],
                     "queue": {"max_wait_s": 60}},
    }  # fmt: skip
    body = {"filters": [{"name": "Питер", "condition": {"type": "region", "subjects": ["RU-SPE"]}, "working": branch}],
            "default": branch}  # fmt: skip
    assert kernel.db is not None
    async with kernel.db.tenant(tid) as conn:
        scenario = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'b', $2) RETURNING id", tid, body
        )
    number = await d.assign_number(tid, DID)
    async with kernel.db.tenant(tid) as conn:
        await conn.execute("UPDATE numbers SET scenario_id = $2 WHERE id = $1", number.id, scenario)
    sample = Path(numbering_ru.__file__).with_name("sample") / "numbering-plan-sample.csv"
    await import_files(kernel.db, [sample])
    await numbering_ru.startup(kernel.db)


def short_greeting(media_dir: Path) -> None:
    """A 100 ms greeting beside the standard sounds (both sides play the same)."""
    (media_dir / "standard").mkdir(parents=True, exist_ok=True)
    with wave.open(str(media_dir / "standard" / "bench_tone.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x10" * 800)


class EchoAgi:
    """Replays recorded replies by step: what the router said, without deciding anything."""

    def __init__(self, replies: list[dict[str, str]]) -> None:
        self.replies = replies
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\n", b""):
                key, _, value = line.decode().partition(":")
                request[key.strip()] = value.strip()
            state = request.get("agi_arg_4", "")
            step = int(state) if state.isdigit() else 0
            if request.get("agi_arg_8") == "hangup":
                step = len(self.replies) - 1
            reply = dict(self.replies[min(step, len(self.replies) - 1)])
            reply["VATS_STATE"] = str(step + 1)
            writer.write(reply_line(reply).encode())
            await writer.drain()
            await reader.readline()
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def fire(ami: AmiClient, calls: int, caller_hold: float, channel: str = f"Local/{DID}@vats-in") -> int:
    """Originate the calls (64 requests in flight); how many Asterisk refused."""
    in_flight = asyncio.Semaphore(64)
    refused = 0

    async def one(n: int) -> None:
        nonlocal refused
        async with in_flight:
            try:
                await ami.originate(
                    channel, context="vats-bench-caller", exten="s", caller_id=f"<+7916{n:07d}>",
                    variables={"BENCH_CALLER_HOLD": str(caller_hold)},
                )  # fmt: skip
            except AmiError:
                refused += 1

    await asyncio.gather(*(one(n) for n in range(calls)))
    return refused


class Answers:
    """Phones that answered, as Asterisk tells over AMI (only UserEvents are sent to us)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.ended: list[float] = []  # phones that hung up (the end of a call)

    def on_event(self, event: Any) -> None:
        if event.get("Event") == "UserEvent" and event.get("UserEvent") == "BenchAnswered":
            self.times.append(time.perf_counter())
        elif event.get("Event") == "UserEvent" and event.get("UserEvent") == "BenchEnded":
            self.ended.append(time.perf_counter())

    async def wait(self, since: int, calls: int) -> int:
        """Until ``calls`` answers after index ``since`` arrived or nothing moved for 15 s."""
        seen, moved = -1, time.monotonic()
        while (n := len(self.times) - since) < calls:
            if n != seen:
                seen, moved = n, time.monotonic()
            elif time.monotonic() - moved > 15:
                break
            await asyncio.sleep(0.2)
        return min(n, calls)


class Cel:
    """Asterisk's event log in PostgreSQL: used to let one run's aftermath settle before the next."""

    def __init__(self, kernel: Kernel) -> None:
        assert kernel.db is not None
        self.db = kernel.db

    async def settle(self, sandbox: Sandbox) -> None:
        """No call up, Asterisk's event log written out, and vats has made every record (so one
        run's leftovers do not load the next)."""
        await drain(sandbox)
        last = -1
        for _ in range(480):
            async with self.db.system() as conn:
                rows = await conn.fetchval("SELECT count(*) FROM cel")
                pending = await conn.fetchval("SELECT count(*) FROM cel_pending")
            if rows == last and not pending:
                return
            last = rows
            await asyncio.sleep(1.0)

    async def wait_answered(self, since: int, calls: int) -> tuple[int, float]:
        """Poll until every call is answered or nothing moved for 15 s."""
        seen, moved = -1, time.monotonic()
        while True:
            n, span = await self.answered(since)
            if n >= calls:
                return n, span
            if n != seen:
                seen, moved = n, time.monotonic()
            elif time.monotonic() - moved > 15:
                return n, span
            await asyncio.sleep(0.5)


async def setup_rate(
    ami: AmiClient, answers: Answers, calls: int, hold: float, channel: str = f"Local/{DID}@vats-in"
) -> tuple[float, int]:
    """Fire ``calls`` calls as fast as Asterisk takes them; (set-ups per second, failed)."""
    await ami.action({"Action": "Setvar", "Variable": "BENCH_HOLD", "Value": str(hold)})
    since = len(answers.times)
    started = time.perf_counter()
    await fire(ami, calls, hold + 15, channel)
    answered = await answers.wait(since, calls)
    span = (answers.times[since + answered - 1] - started) if answered else 1.0
    return answered / span, calls - answered


def _proc_stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state, ppid, ... utime is index 11)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()


class CpuMeter:
    """CPU seconds used so far by Asterisk (all its threads, live and ended), by this process
    (vats: the router, call records, the CRM) and by PostgreSQL (the postmaster, its live
    processes, and through the postmaster's counters those that have exited). CPU per call is
    steadier than a rate on a noisy machine, and says who the limit is."""

    def __init__(self, asterisk_pid: int, postmaster_pid: int) -> None:
        self.asterisk_pid = asterisk_pid
        self.postmaster_pid = postmaster_pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict[str, float]:
        a = _proc_stat(self.asterisk_pid)
        m = _proc_stat(self.postmaster_pid)
        postgres = sum(int(x) for x in m[11:15])  # its own time and its exited children's
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    f = _proc_stat(int(entry))
                except OSError:
                    continue
                if int(f[1]) == self.postmaster_pid:
                    postgres += int(f[11]) + int(f[12])
        me = os.times()
        return {"Asterisk": (int(a[11]) + int(a[12])) / self.tick, "vats": me.user + me.system,
                "PostgreSQL": postgres / self.tick}  # fmt: skip

    def per_call(self, since: dict[str, float], calls: int) -> dict[str, float]:
        """Milliseconds of CPU per call since ``since``, by part."""
        now = self.read()
        return {k: (now[k] - since[k]) * 1000 / calls for k in now}


def show_cpu(label: str, ms: dict[str, float]) -> str:
    return f"{label} " + ", ".join(f"{k} {v:.1f}" for k, v in ms.items()) + f" (total {sum(ms.values()):.1f})"


async def drain(sandbox: Sandbox, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = await asyncio.to_thread(sandbox.cli, "core show channels count")
        if text.strip().startswith("0 active channels"):
            return
        await asyncio.sleep(0.5)


async def main_async(calls: int, concurrent: int, hold_s: float) -> None:
    root = provision()
    media_dir = Path(tempfile.mkdtemp(prefix="vats-bench-media-"))
    install_standard_media(media_dir)
    with throwaway_postgres() as server_url:
        url = with_database(server_url, "vats_bench")
        await ensure_database(server_url, "vats_bench")
        config = Config.from_env({"VATS_DATABASE_URL": url, "VATS_DATA_DIR": str(media_dir.parent),
                                  "VATS_MEDIA_DIR": str(media_dir), "VATS_AGI_PORT": str(free_port())})  # fmt: skip
        kernel = await Kernel(config).start()
        cel = cel_database(url)
        sandbox = Sandbox(
            root, f"bench-{os.getpid()}", shared=[media_dir, Path(cel.hostname)], ami_port=free_port(), ephemeral=True
        )
        sandbox.prepare()
        write(render(RenderInput(terminals=[], dids=[], trunks=[], tenants=[]),
                     Settings(ami_secret=ami_secret(kernel), ami_port=sandbox.ami_port, sip_port=free_port(),
                              media_dir=media_dir, name=sandbox.name)), sandbox.conf_dir)  # fmt: skip
        telephony = Telephony(kernel, dialing=Dialing(sip="Local/{login}@vats-bench-phones"))
        try:
            await setup(kernel)
            await telephony.start()  # (installs the standard sounds: shorten the greeting after it)
            short_greeting(media_dir)
            sandbox.start(timeout_s=60)
            overrides: dict[str, Any] = {"name": sandbox.name, "ami_port": sandbox.ami_port, "sip_port": free_port(),
                                         "extra_dialplan": PHONES, "sip_dial": "Local/{login}@vats-bench-phones", "cel": cel}  # fmt: skip
            from vats.core.asterisk.service import render_config

            await render_config(kernel, sandbox.conf_dir, **overrides)
            sandbox.cli("dialplan reload")
            sandbox.cli("module reload cel_pgsql.so")
            ami = AmiClient(f"ami://vats:{ami_secret(kernel)}@127.0.0.1:{sandbox.ami_port}", events=("UserEvent",))
            await ami.connect()
            cel = Cel(kernel)
            async with kernel.db.system() as conn:
                backend = await conn.fetchval("SELECT pg_backend_pid()")
            assert sandbox.process is not None
            meter = CpuMeter(sandbox.process.pid, int(_proc_stat(backend)[1]))
            answers = Answers()
            ami.listen(answers.on_event)
            # one call through the router, its replies recorded for the echo handler
            recorded: list[dict[str, str]] = []
            real_answer = telephony.router.answer

            async def recording_answer(request: dict[str, str]) -> dict[str, str]:
                reply = await real_answer(request)
                if request.get("agi_arg_8") != "hangup":
                    recorded.append(reply)
                return reply

            telephony.router.answer = recording_answer  # type: ignore[method-assign]
            await setup_rate(ami, answers, 1, 0.5)
            telephony.router.answer = real_answer  # type: ignore[method-assign]
            await cel.settle(sandbox)
            steps = len(recorded)
            # the harness alone: the ceiling this way of measuring has on this machine
            before = meter.read()
            harness_rate, _ = await setup_rate(ami, answers, calls, 1.0, "Local/s@vats-bench-trivial")
            await cel.settle(sandbox)
            harness_cpu = meter.per_call(before, calls)
            # echo and router alternately, twice each; the better round of each side is reported
            # (a run can be slowed by what the previous one left for Asterisk to write)
            echo = EchoAgi(recorded)
            echo_port = await echo.start()
            echo_runs: list[tuple[float, int]] = []
            router_runs: list[tuple[float, int]] = []
            timings: list[float] = []
            echo_cpu: list[dict[str, float]] = []
            router_cpu: list[dict[str, float]] = []
            for _round in range(2):
                await render_config(kernel, sandbox.conf_dir, agi_url=f"agi://127.0.0.1:{echo_port}", **overrides)
                sandbox.cli("dialplan reload")
                before = meter.read()
                echo_runs.append(await setup_rate(ami, answers, calls, 1.0))
                await cel.settle(sandbox)
                echo_cpu.append(meter.per_call(before, calls))
                await render_config(kernel, sandbox.conf_dir, **overrides)
                sandbox.cli("dialplan reload")
                telephony.router.timings = []
                before = meter.read()
                router_runs.append(await setup_rate(ami, answers, calls, 1.0))
                timings += telephony.router.timings
                telephony.router.timings = None
                await cel.settle(sandbox)
                router_cpu.append(meter.per_call(before, calls))
            await echo.stop()
            echo_rate, echo_failed = max(echo_runs)
            router_rate, router_failed = max(router_runs)
            # concurrency: N calls up at once, held
            await ami.action({"Action": "Setvar", "Variable": "BENCH_HOLD", "Value": str(hold_s + 10)})
            first_answer, first_end = len(answers.times), len(answers.ended)
            await fire(ami, concurrent, hold_s + 10)
            up_at_start = await answers.wait(first_answer, concurrent)
            await asyncio.sleep(hold_s)
            dropped = len(answers.ended) - first_end  # calls over before their time
            await asyncio.to_thread(sandbox.cli, "channel request hangup all")
            await drain(sandbox)
            ami.close()
        finally:
            await telephony.stop()
            sandbox.stop()
            await kernel.stop()
    q = statistics.quantiles(timings, n=100) if len(timings) > 2 else [0.0] * 99
    print(f"bench/asterisk ({calls} calls per side; a real Asterisk 22 and the router, {steps} AGI steps per call)")
    print(f"  harness alone (originate + answer, no vats-in) {harness_rate:5.0f} set-ups/s: the ceiling of this method")
    print(
        f"  rounds: echo {', '.join(f'{r:.0f}' for r, _ in echo_runs)}; router {', '.join(f'{r:.0f}' for r, _ in router_runs)}"
    )
    print(f"  echo AGI handler (baseline)   {echo_rate:7.0f} set-ups/s   failed {echo_failed}")
    print(f"  vats router                   {router_rate:7.0f} set-ups/s   failed {router_failed}"
          f"   step p50 {q[49] * 1000:.2f} ms  p99 {q[98] * 1000:.2f} ms under load")  # fmt: skip
    print("  CPU per call, ms, until its record is made (the lower of the two rounds for each part):")
    echo_least = {k: min(c[k] for c in echo_cpu) for k in echo_cpu[0]}
    router_least = {k: min(c[k] for c in router_cpu) for k in router_cpu[0]}
    print(show_cpu("    harness", harness_cpu))
    print(show_cpu("    echo   ", echo_least))
    print(show_cpu("    router ", router_least))
    cores = len(os.sched_getaffinity(0))
    print(f"  Asterisk's share alone caps set-ups at {cores * 1000 / router_least['Asterisk']:.0f}/s on these {cores} cores"
          f" (harness: {cores * 1000 / harness_cpu['Asterisk']:.0f}/s)")  # fmt: skip
    ratio = router_rate / echo_rate if echo_rate else 0.0
    print(f"  ratio router / echo: {ratio:.2f}")
    held = up_at_start - dropped
    print(f"  concurrent: {up_at_start} of {concurrent} answered, {held} still up after {hold_s:g} s")
    print(
        f"  goals: >= 300 set-ups/s: {'met' if router_rate >= 300 else 'NOT met'}; within 20% of echo: "
        f"{'met' if ratio >= 0.8 else 'NOT met'}; {concurrent} held {hold_s:g} s with 0 failed: "
        f"{'met' if held >= concurrent and router_failed == 0 else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/asterisk needs root (the Asterisk sandbox runs in a chroot)", file=sys.stderr)
        # on CI a missing part is a failure, elsewhere the other benchmarks still run
        sys.exit(2 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 0)
    if args.smoke:
        asyncio.run(main_async(200, 50, 3.0))
    else:
        asyncio.run(main_async(2000, 500, 30.0))


if __name__ == "__main__":
    main()
