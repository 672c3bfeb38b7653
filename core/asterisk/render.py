"""Asterisk's configuration for every tenant, rendered from the database (``vats asterisk render``).

Static files rather than PJSIP realtime: a reload through AMI applies a change in well under a
second (measured by the tests: a new SIP line registers within seconds), the rendered files
can be read and diffed by a person, and Asterisk keeps working from them when PostgreSQL is
down. Realtime would query the database on every REGISTER and INVITE.

The dialplan is a short generic loop (DESIGN.md "Call routing"): every DID enters ``vats-in``;
each step asks the router (FastAGI) for one primitive, a ``vats-<op>`` context executes it and
jumps back with its result. If the router is unreachable, or names no context that exists, the
DID's own static fallback rings the tenant's first admin (computed here, at render time).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
from vats.core.asterisk.agi import FIELDS
from vats.core.media import refs

MAX_STEPS = 64  # the dialplan's own bound; the engine hangs up at the same count
# Frequent AMI events vats does not use (it reads DeviceStateChange, ContactStatus,
# FullyBooted, OriginateResponse and UserEvent; call records come from CEL in PostgreSQL).
DISABLED_AMI_EVENTS = (
    "Newchannel", "Newstate", "Newexten", "VarSet", "NewCallerid", "NewConnectedLine", "NewAccountCode",
    "Hangup", "HangupRequest", "SoftHangupRequest", "HangupHandlerPush", "HangupHandlerRun", "HangupHandlerPop",
    "DialBegin", "DialState", "DialEnd", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy",
    "LocalBridge", "LocalOptimizationBegin", "LocalOptimizationEnd", "AGIExecStart", "AGIExecEnd",
    "MusicOnHoldStart", "MusicOnHoldStop", "MixMonitorStart", "MixMonitorStop", "DTMFBegin", "DTMFEnd",
    "RTCPSent", "RTCPReceived", "Cdr", "CEL",
)  # fmt: skip


class Terminal(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    login: str
    password: str
    extension: str
    caller_name: str


class Did(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    e164: str
    fallback_logins: list[str]


class Trunk(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    host: str
    port: int = 5060
    username: str | None = None
    password: str | None = None
    inbound_match: str | None = None
    dial_format: str = "e164"
    outbound: bool = True


class CelDatabase(msgspec.Struct, frozen=True, kw_only=True):
    """Where Asterisk writes CEL: host (or a Unix-socket folder), port, database, user, password."""

    hostname: str
    port: int
    dbname: str
    user: str
    password: str = ""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    agi_url: str = "agi://127.0.0.1:4573"
    ami_port: int = 5038
    ami_user: str = "vats"
    ami_secret: str
    sip_port: int = 5060
    rtp_start: int = 10000
    rtp_end: int = 20000
    cel: CelDatabase | None = None
    media_dir: Path
    moh_classes: dict[str, list[str]] = {}  # class -> files (absolute, no extension)
    extra_dialplan: str = ""  # appended to extensions.conf (the test sandbox's dialplan phones)
    name: str = "vats"  # instance name: its run, spool, log and db folders
    sip_dial: str = "PJSIP/{login}"  # how the static dialplan rings a SIP line (as VATS_SIP_DIAL)


class RenderInput(msgspec.Struct, frozen=True, kw_only=True):
    terminals: list[Terminal]
    dids: list[Did]
    trunks: list[Trunk]
    tenants: list[uuid.UUID]


async def collect(conn: Any, media_dir: Path) -> tuple[RenderInput, dict[str, list[str]]]:
    """Everything the configuration needs, read in one system-scoped transaction."""
    terminals = [
        Terminal(tenant_id=r["tenant_id"], login=r["sip_login"], password=r["sip_password"] or "",
                 extension=r["extension"], caller_name=r["full_name"])
        for r in await conn.fetch(
            "SELECT t.tenant_id, t.sip_login, t.sip_password, e.extension, e.full_name FROM terminals t"
            " JOIN employees e ON (e.tenant_id, e.id) = (t.tenant_id, t.employee_id)"
            " WHERE t.sip_login IS NOT NULL ORDER BY t.sip_login"
        )
    ]  # fmt: skip
    admin_lines: dict[uuid.UUID, list[str]] = {}
    for r in await conn.fetch(
        "SELECT DISTINCT ON (e.tenant_id, t.sip_login) e.tenant_id, t.sip_login FROM employees e"
        " JOIN terminals t ON (t.tenant_id, t.employee_id) = (e.tenant_id, e.id)"
        " WHERE e.role = 'admin' AND t.sip_login IS NOT NULL AND e.id = ("
        "   SELECT id FROM employees f WHERE f.tenant_id = e.tenant_id AND f.role = 'admin'"
        "   ORDER BY f.created_at, f.id LIMIT 1)"
    ):
        admin_lines.setdefault(r["tenant_id"], []).append(r["sip_login"])
    dids = [
        Did(tenant_id=r["tenant_id"], e164=r["e164"], fallback_logins=admin_lines.get(r["tenant_id"], []))
        for r in await conn.fetch("SELECT tenant_id, e164 FROM numbers ORDER BY e164")
    ]
    trunks = [
        msgspec.convert(dict(r), Trunk)
        for r in await conn.fetch(
            "SELECT name, host, port, username, password, inbound_match, dial_format, outbound FROM sip_trunks"
            " ORDER BY created_at, name"
        )
    ]
    tenants = [r["id"] for r in await conn.fetch("SELECT id FROM tenants ORDER BY created_at, id")]
    moh: dict[str, list[str]] = {}
    for r in await conn.fetch("SELECT tenant_id, id, items FROM media"):
        files = refs.chain_files(media_dir, r["tenant_id"], r["items"])
        if files:
            moh[f"vats-{r['id']}"] = files
    return RenderInput(terminals=terminals, dids=dids, trunks=trunks, tenants=tenants), moh


def context_of(tenant_id: uuid.UUID) -> str:
    """The tenant's dialplan context for calls its phones make."""
    return f"vats-t-{tenant_id.hex[:12]}"


def render(data: RenderInput, settings: Settings) -> dict[str, str]:
    """File name -> contents, for a folder Asterisk reads with ``-C DIR/asterisk.conf``."""
    return {
        "asterisk.conf": _asterisk_conf(settings),
        "modules.conf": _MODULES,
        "logger.conf": "[general]\n[logfiles]\nconsole => error,warning\nmessages => error,warning,notice\n",
        "manager.conf": _manager(settings),
        "pjsip.conf": _pjsip(data, settings),
        "extensions.conf": _extensions(data, settings),
        "musiconhold.conf": _moh(settings),
        # Only the events a call record is built from: every row is an INSERT into PostgreSQL
        # (see cel.py's build_record; answer time comes from BRIDGE_ENTER, so no ANSWER rows).
        "cel.conf": "[general]\nenable=yes\napps=record,mixmonitor\nevents=CHAN_START,HANGUP,"
        "APP_START,BRIDGE_ENTER,USER_DEFINED,LINKEDID_END\ndateformat=%F %T\n",
        "cel_pgsql.conf": _cel_pgsql(settings),
        "cdr.conf": "[general]\nenable=no\n",
        "rtp.conf": f"[general]\nrtpstart={settings.rtp_start}\nrtpend={settings.rtp_end}\n",
        "features.conf": "[general]\n",
        "indications.conf": "[general]\ncountry=ru\n[ru]\ndescription = Russian\nringcadence = 800,3200\n"
        "dial = 425\nbusy = 425/350,0/350\nring = 425/800,0/3200\ncongestion = 425/175,0/175\n"
        "callwaiting = 425/200,0/5000\n",
        "acl.conf": "",
        "ccss.conf": "",
        "udptl.conf": "",
    }


def write(files: dict[str, str], out: Path) -> list[Path]:
    """Write the files (only those that changed, so a reload has nothing to do otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in files.items():
        path = out / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def _asterisk_conf(s: Settings) -> str:
    return f"""[directories]
astetcdir => /etc/vats-asterisk/{s.name}
astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules
astvarlibdir => /var/lib/asterisk
astdbdir => /var/lib/vats-asterisk/{s.name}
astkeydir => /var/lib/asterisk
astdatadir => /usr/share/asterisk
astagidir => /usr/share/asterisk/agi-bin
astspooldir => /var/spool/vats-asterisk/{s.name}
astrundir => /run/vats-asterisk/{s.name}
astlogdir => /var/log/vats-asterisk/{s.name}
astsbindir => /usr/sbin

[options]
maxcalls = 4000
maxload = 0
highpriority = no
hideconnect = yes
"""


_MODULES = """[modules]
autoload = yes
; not used by vats, and noisy or slow to load without their own configuration
noload => chan_iax2.so
noload => chan_unistim.so
noload => chan_mgcp.so
noload => chan_skinny.so
noload => chan_dahdi.so
noload => chan_console.so
noload => chan_alsa.so
noload => chan_oss.so
noload => res_phoneprov.so
noload => res_pjsip_phoneprov_provider.so
noload => cdr_pgsql.so
noload => cdr_odbc.so
noload => cdr_adaptive_odbc.so
noload => cdr_tds.so
noload => cdr_radius.so
noload => cdr_sqlite3_custom.so
noload => cdr_csv.so
noload => cdr_custom.so
noload => cdr_manager.so
noload => cel_odbc.so
noload => cel_tds.so
noload => cel_radius.so
noload => cel_sqlite3_custom.so
noload => cel_custom.so
noload => cel_manager.so
noload => res_config_ldap.so
noload => res_config_odbc.so
noload => res_config_pgsql.so
noload => res_config_sqlite3.so
noload => res_config_curl.so
noload => res_odbc.so
noload => res_hep.so
noload => res_hep_pjsip.so
noload => res_hep_rtcp.so
noload => res_snmp.so
noload => res_smdi.so
noload => res_calendar.so
noload => res_xmpp.so
noload => chan_motif.so
noload => res_ari.so
noload => res_http_websocket.so
noload => res_stasis_test.so
noload => app_voicemail.so
noload => app_voicemail_imap.so
noload => app_voicemail_odbc.so
noload => res_pjsip_config_wizard.so
noload => res_statsd.so
noload => res_prometheus.so
noload => app_festival.so
noload => app_minivm.so
noload => res_fax.so
noload => res_fax_spandsp.so
noload => app_jack.so
noload => chan_ooh323.so
noload => res_corosync.so
noload => func_odbc.so
noload => res_mwi_external.so
noload => res_mwi_external_ami.so
noload => res_adsi.so
noload => app_adsiprog.so
noload => app_getcpeid.so
noload => app_sms.so
noload => res_geolocation.so
; ARI/Stasis, presence, parking, queues and the like: vats does not use them, and every loaded
; subscriber costs Asterisk CPU on every channel event
noload => app_stasis.so
noload => app_stasis_broadcast.so
noload => res_ari_applications.so
noload => res_ari_asterisk.so
noload => res_ari_bridges.so
noload => res_ari_channels.so
noload => res_ari_device_states.so
noload => res_ari_endpoints.so
noload => res_ari_events.so
noload => res_ari_model.so
noload => res_ari_playbacks.so
noload => res_ari_recordings.so
noload => res_ari_sounds.so
noload => res_stasis.so
noload => res_stasis_answer.so
noload => res_stasis_broadcast.so
noload => res_stasis_device_state.so
noload => res_stasis_playback.so
noload => res_stasis_recording.so
noload => res_stasis_snoop.so
noload => res_pjsip_aoc.so
noload => res_pjsip_dialog_info_body_generator.so
noload => res_pjsip_exten_state.so
noload => res_pjsip_mwi.so
noload => res_pjsip_mwi_body_generator.so
noload => res_pjsip_notify.so
noload => res_pjsip_one_touch_record_info.so
noload => res_pjsip_outbound_publish.so
noload => res_pjsip_pidf_body_generator.so
noload => res_pjsip_pidf_digium_body_supplement.so
noload => res_pjsip_pidf_eyebeam_body_supplement.so
noload => res_pjsip_publish_asterisk.so
noload => res_pjsip_send_to_voicemail.so
noload => res_pjsip_stir_shaken.so
noload => res_stir_shaken.so
noload => res_pjsip_t38.so
noload => res_pjsip_xpidf_body_generator.so
noload => res_pjsip_history.so
noload => app_queue.so
noload => app_agent_pool.so
noload => res_parking.so
noload => app_confbridge.so
noload => app_page.so
noload => pbx_lua.so
noload => pbx_ael.so
noload => pbx_dundi.so
noload => res_clialiases.so
noload => app_followme.so
noload => app_alarmreceiver.so
noload => app_amd.so
noload => chan_websocket.so
noload => res_pjsip_transport_websocket.so
noload => res_security_log.so
noload => res_stun_monitor.so
noload => res_resolver_unbound.so
"""


def _manager(s: Settings) -> str:
    return f"""[general]
enabled = yes
port = {s.ami_port}
bindaddr = 127.0.0.1
allowmultiplelogin = yes
displayconnects = no
timestampevents = yes
; Events vats never reads, switched off for every AMI client: Asterisk would otherwise format
; each of them (one per dialplan line, per variable set, per channel state change) for every
; connected client; measured by bench/asterisk, this is a third of Asterisk's work per call.
disabledevents = {",".join(DISABLED_AMI_EVENTS)}

[{s.ami_user}]
secret = {s.ami_secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call,agent,user,config,dtmf,reporting,cdr,dialplan,originate
write = system,call,agent,user,config,command,reporting,originate
writetimeout = 5000
"""


def _pjsip(data: RenderInput, s: Settings) -> str:
    out = [
        f"[transport-udp]\ntype = transport\nprotocol = udp\nbind = 0.0.0.0:{s.sip_port}\n",
    ]
    for t in data.terminals:
        out.append(
            f"[{t.login}]\ntype = endpoint\ncontext = {context_of(t.tenant_id)}\ndisallow = all\n"
            f"allow = ulaw,alaw,gsm\nauth = {t.login}\naors = {t.login}\ndirect_media = no\n"
            f'callerid = "{_quote(t.caller_name)}" <{t.extension}>\nset_var = VATS_TENANT={t.tenant_id}\n'
            f"\n[{t.login}]\ntype = auth\nauth_type = userpass\nusername = {t.login}\npassword = {t.password}\n"
            f"\n[{t.login}]\ntype = aor\nmax_contacts = 5\nremove_existing = yes\nqualify_frequency = 60\n"
        )
    for tr in data.trunks:
        out.append(_trunk(tr))
    return "\n".join(out)


def _trunk(tr: Trunk) -> str:
    name = f"trunk-{tr.name}"
    text = (
        f"[{name}]\ntype = endpoint\ncontext = vats-in\ndisallow = all\nallow = ulaw,alaw\n"
        f"aors = {name}\ndirect_media = no\nfrom_domain = {tr.host}\n"
    )
    if tr.username:
        text += f"outbound_auth = {name}\nfrom_user = {tr.username}\n"
        text += (
            f"\n[{name}]\ntype = auth\nauth_type = userpass\nusername = {tr.username}\npassword = {tr.password or ''}\n"
        )
        text += (
            f"\n[{name}]\ntype = registration\noutbound_auth = {name}\nserver_uri = sip:{tr.host}:{tr.port}\n"
            f"client_uri = sip:{tr.username}@{tr.host}\nretry_interval = 60\n"
        )
    text += f"\n[{name}]\ntype = aor\ncontact = sip:{tr.host}:{tr.port}\nqualify_frequency = 60\n"
    text += f"\n[{name}]\ntype = identify\nendpoint = {name}\nmatch = {tr.inbound_match or tr.host}\n"
    return text


def _quote(text: str) -> str:
    return text.replace('"', "").replace("\n", " ")


def _extensions(data: RenderInput, s: Settings) -> str:
    step_args = "${VATS_DID},${VATS_CALLER},${VATS_START},${VATS_STATE},${VATS_STATUS},${VATS_DIGITS},${VATS_PEER}"
    back = "Goto(vats-in,${VATS_DID},step)"
    fields = ",".join(FIELDS)
    # the previous step's result, cleared by the same ARRAY that reads the reply
    cleared = "VATS_STATUS,VATS_DIGITS,VATS_PEER,DIALSTATUS,DIALEDPEERNAME"
    cleared_values = "," * (cleared.count(",") + 1)
    entry = (
        "AGISIGHUP=no,VATS_DID=${EXTEN},VATS_CALLER=${FILTER(0-9+,${CALLERID(num)})},VATS_START=${EPOCH},VATS_STEPS=0"
    )
    out = [
        f"""[general]
static = yes
writeprotect = yes
clearglobalvars = yes

[globals]
VATS_AGI = {s.agi_url}

; Every DID lands here, with or without a leading +.
[vats-in]
; Every dialplan line costs Asterisk a channel snapshot and a stasis message to every
; subscriber, so the loop is kept short (MSet, one ARRAY that also clears the last result);
; values set by MSet never contain commas or quotes (digits, +, names of channels).
exten => _[+0-9].,1,MSet({entry})
 same => n,Set(CHANNEL(hangup_handler_push)=vats-ended,s,1)
 same => n(step),MSet(VATS_ACTION=fallback,VATS_REPLY=,VATS_STEPS=$[${{VATS_STEPS}} + 1])
 same => n,GotoIf($[${{VATS_STEPS}} > {MAX_STEPS}]?vats-hangup,s,1)
 same => n,AGI(${{VATS_AGI}}/step,{step_args})
 same => n,GotoIf($["${{AGISTATUS}}" != "SUCCESS" | "${{VATS_REPLY}}" = ""]?fallback)
 same => n,Set(ARRAY({fields},{cleared})=${{VATS_REPLY}}{cleared_values})
 same => n,GotoIf(${{DIALPLAN_EXISTS(vats-${{VATS_ACTION}},s,1)}}?vats-${{VATS_ACTION}},s,1)
 same => n(fallback),Goto(vats-fallback,${{VATS_DID}},1)

; The call is over: the router's summary of it (its path, task intents, IVR input; after the
; last word on an unanswered call: voicemail left, missed call) goes into CEL, once per call.
[vats-ended]
exten => s,1,ExecIf($["${{VATS_STATE}}" = ""]?Return())
 ; a bridged call that the caller ended never ran the lines after Dial()
 same => n,ExecIf($["${{VATS_STATUS}}" = ""]?MSet(VATS_STATUS=${{DIALSTATUS}},VATS_PEER=${{DIALEDPEERNAME}}))
 ; answered by a phone: the scenario has nothing left to say
 same => n,GotoIf($["${{VATS_STATUS}}" = "ANSWER"]?log)
 same => n,Set(VATS_REPLY=)
 same => n,AGI(${{VATS_AGI}}/step,{step_args},hangup)
 same => n,GotoIf($["${{VATS_REPLY}}" = ""]?log)
 same => n,Set(ARRAY({fields})=${{VATS_REPLY}})
 same => n(log),ExecIf($["${{VATS_SUMMARY}}" != ""]?CELGenUserEvent(vats_end,${{VATS_SUMMARY}}))
 same => n,Return()

; A step with nothing to report leaves VATS_STATUS empty: the router reads that as OK.
[vats-answer]
exten => s,1,Answer()
 same => n,{back}

[vats-play]
exten => s,1,Answer()
 same => n,Playback(${{VATS_MEDIA}})
 same => n,{back}

[vats-collect]
exten => s,1,Answer()
 same => n,Read(VATS_DIGITS,${{VATS_MEDIA}},${{VATS_MAXDIGITS}},,1,${{VATS_TIMEOUT}})
 same => n,Set(VATS_STATUS=${{IF($["${{VATS_DIGITS}}" = ""]?TIMEOUT:OK)}})
 same => n,{back}

[vats-dial]
exten => s,1,ExecIf($["${{VATS_CIDNAME}}" != ""]?Set(CALLERID(name)=${{VATS_CIDNAME}}))
 same => n,Dial(${{VATS_DIAL}},${{VATS_RING}},${{VATS_DIALOPTS}})
 same => n,MSet(VATS_STATUS=${{DIALSTATUS}},VATS_PEER=${{DIALEDPEERNAME}})
 same => n,GotoIf($["${{DIALSTATUS}}" = "ANSWER"]?done)
 same => n,{back}
 same => n(done),Hangup()

[vats-queue]
exten => s,1,Answer()
 same => n,Dial(${{VATS_DIAL}},${{VATS_RING}},m(${{VATS_MOH}}))
 same => n,MSet(VATS_STATUS=${{DIALSTATUS}},VATS_PEER=${{DIALEDPEERNAME}})
 same => n,GotoIf($["${{DIALSTATUS}}" = "ANSWER"]?done)
 same => n,GotoIf($["${{VATS_OFFER}}" = ""]?timeout)
 same => n,Read(VATS_DIGITS,${{VATS_OFFER}},1,,1,5)
 same => n,Set(VATS_STATUS=OFFER)
 same => n,{back}
 same => n(timeout),Set(VATS_STATUS=TIMEOUT)
 same => n,{back}
 same => n(done),Hangup()

[vats-voicemail]
exten => s,1,Answer()
 same => n,ExecIf($["${{VATS_MEDIA}}" != ""]?Playback(${{VATS_MEDIA}}))
 same => n,Record(${{VATS_FILE}}.wav,3,120,k)
 same => n,{back}

[vats-record]
exten => s,1,ExecIf($["${{VATS_MEDIA}}" != ""]?Playback(${{VATS_MEDIA}}))
 same => n,MixMonitor(${{VATS_FILE}}.wav)
 same => n,{back}

[vats-stoprecord]
exten => s,1,StopMixMonitor()
 same => n,{back}

[vats-hangup]
exten => s,1,Hangup(${{IF($["${{VATS_CAUSE}}" = ""]?16:${{VATS_CAUSE}})}})

; A terminal that rings after a delay (the later phones of a sequential employee):
; Local/<seconds>*<dial string, / written as ~ and @ as ^>@vats-delay
[vats-delay]
exten => _X.,1,Set(VATS_TARGET=${{CUT(EXTEN,*,2)}})
 same => n,Set(VATS_TARGET=${{REPLACE(VATS_TARGET,~,/)}})
 same => n,Set(VATS_TARGET=${{REPLACE(VATS_TARGET,^,@)}})
 same => n,Wait(${{CUT(EXTEN,*,1)}})
 same => n,Dial(${{VATS_TARGET}})
 same => n,Hangup()
""",
        _pstn(data),
        _fallbacks(data, s.sip_dial),
    ]
    for tenant in data.tenants:
        out.append(_tenant_context(tenant, [t for t in data.terminals if t.tenant_id == tenant], s.sip_dial))
    out.append(s.extra_dialplan)
    return "\n".join(out)


def _pstn(data: RenderInput) -> str:
    """Outside numbers leave through the first outbound trunk, formatted as it wants them."""
    trunk = next((t for t in data.trunks if t.outbound), None)
    if trunk is None:
        return "[vats-pstn]\nexten => _X.,1,Congestion(5)\n"
    number = {"e164": "+${EXTEN}", "national": "8${EXTEN:1}", "digits": "${EXTEN}"}[trunk.dial_format]
    return f"[vats-pstn]\nexten => _X.,1,Dial(PJSIP/{number}@trunk-{trunk.name},120)\n same => n,Hangup()\n"


def _fallbacks(data: RenderInput, sip_dial: str) -> str:
    lines = ["; Used when the router is unreachable: each DID rings its tenant's first admin.", "[vats-fallback]"]
    for did in data.dids:
        target = "&".join(sip_dial.format(login=login) for login in did.fallback_logins)
        for form in (did.e164, did.e164.lstrip("+")):
            if target:
                lines.append(f"exten => {form},1,Dial({target},60)")
                lines.append(" same => n,Hangup()")
            else:
                lines.append(f"exten => {form},1,Hangup(1)")
    lines.append("exten => _[+0-9].,1,Hangup(1)")
    return "\n".join(lines) + "\n"


def _tenant_context(tenant_id: uuid.UUID, terminals: list[Terminal], sip_dial: str) -> str:
    """Calls a tenant's phones make: colleagues by extension (internal), the rest go outside
    through the router's outbound rules (caller ID, bans, recording)."""
    lines = [f"[{context_of(tenant_id)}]"]
    by_extension: dict[str, list[str]] = {}
    for t in terminals:
        by_extension.setdefault(t.extension, []).append(t.login)
    for extension, logins in sorted(by_extension.items()):
        lines.append(f"exten => {extension},1,Dial({'&'.join(sip_dial.format(login=x) for x in logins)},60)")
        lines.append(" same => n,Hangup()")
    fields = ",".join(FIELDS)
    login = '${IF($["${VATS_LOGIN}" != ""]?${VATS_LOGIN}:${CHANNEL(endpoint)})}'  # click-to-call names it
    lines += [
        "exten => _[+0-9].,1,Set(AGISIGHUP=no)",
        " same => n,Set(VATS_REPLY=)",
        f" same => n,AGI(${{VATS_AGI}}/outbound,{login},${{EXTEN}})",
        ' same => n,GotoIf($["${VATS_REPLY}" = ""]?refuse)',
        f" same => n,Set(ARRAY({fields})=${{VATS_REPLY}})",
        " same => n,CELGenUserEvent(vats_step,${VATS_SUMMARY})",
        ' same => n,GotoIf($["${VATS_ACTION}" != "outbound"]?refuse)',
        ' same => n,ExecIf($["${VATS_CALLERID}" != ""]?Set(CALLERID(num)=${VATS_CALLERID}))',
        ' same => n,ExecIf($["${VATS_FILE}" != ""]?MixMonitor(${VATS_FILE}.wav))',
        " same => n,Dial(${VATS_DIAL},120)",
        " same => n,Hangup()",
        " same => n(refuse),Playback(ss-noservice,noanswer)",
        ' same => n,Hangup(${IF($["${VATS_CAUSE}" = ""]?21:${VATS_CAUSE})})',
    ]
    return "\n".join(lines) + "\n"


def _moh(s: Settings) -> str:
    classes = {"vats-hold": [str(s.media_dir / "standard" / "hold_music")], **s.moh_classes}
    for name in ("greeting", "all_busy", "recording_warning", "voicemail_prompt", "hold_music"):
        classes.setdefault(f"vats-{name}", [str(s.media_dir / "standard" / name)])
    out = ["[general]\n"]
    for name, files in classes.items():
        out.append(f"[{name}]\nmode = playlist\n" + "".join(f"entry => {f}\n" for f in files))
    return "\n".join(out)


def _cel_pgsql(s: Settings) -> str:
    if s.cel is None:
        return "[global]\n"
    c = s.cel
    return (
        f"[global]\nhostname={c.hostname}\nport={c.port}\ndbname={c.dbname}\nuser={c.user}\n"
        f"password={c.password}\ntable=cel\nusegmtime=yes\nshow_user_defined=yes\nappname=asterisk\n"
    )
