-- Telephony. Asterisk writes its own Channel Event Log (CEL) into this database through
-- cel_pgsql (one row per channel event); a call is over when its LINKEDID_END row arrives, and
-- the trigger below queues it for the kernel, which builds the call record from the call's rows.
-- The record therefore never depends on vats being connected to Asterisk while the call runs.
CREATE TABLE cel (
    id          bigserial PRIMARY KEY,
    eventtype   text NOT NULL,
    eventtime   timestamp NOT NULL,   -- UTC (usegmtime=yes)
    userdeftype text,
    cid_name    text,
    cid_num     text,
    cid_ani     text,
    cid_rdnis   text,
    cid_dnid    text,
    exten       text,
    context     text,
    channame    text,
    appname     text,
    appdata     text,
    accountcode text,
    peeraccount text,
    uniqueid    text,
    linkedid    text,
    amaflags    integer,
    userfield   text,
    peer        text,
    extra       text
);
CREATE INDEX cel_linkedid ON cel (linkedid);

-- Calls whose CEL says they are over and that have no record yet (a work queue).
CREATE TABLE cel_pending (
    linkedid    text PRIMARY KEY,
    ended_at    timestamp NOT NULL
);

-- SECURITY DEFINER: Asterisk's role (vats_cel) may insert into cel only; the queue is ours.
CREATE FUNCTION vats_cel_ended() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO cel_pending (linkedid, ended_at) VALUES (NEW.linkedid, NEW.eventtime) ON CONFLICT DO NOTHING;
    PERFORM pg_notify('vats_cel', NEW.linkedid);
    RETURN NULL;
END $$;

CREATE TRIGGER cel_linkedid_end AFTER INSERT ON cel
    FOR EACH ROW WHEN (NEW.eventtype = 'LINKEDID_END') EXECUTE FUNCTION vats_cel_ended();

-- A real call's record names the Asterisk call it came from (one record per linkedid).
ALTER TABLE call_records ADD COLUMN linkedid text UNIQUE;

-- The operator's SIP trunks: where inbound DIDs arrive from and outbound calls leave through.
CREATE TABLE sip_trunks (
    id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
    host          text NOT NULL,
    port          integer NOT NULL DEFAULT 5060 CHECK (port BETWEEN 1 AND 65535),
    username      text,
    password      text,
    inbound_match text,                -- address or network the provider sends from
    dial_format   text NOT NULL DEFAULT 'e164' CHECK (dial_format IN ('e164', 'national', 'digits')),
    outbound      boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Trunk changes re-render Asterisk's configuration like tenant changes do.
CREATE FUNCTION vats_notify_trunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_config', 'sip_trunks:00000000-0000-0000-0000-000000000000');
    RETURN NULL;
END $$;
CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON sip_trunks
    FOR EACH STATEMENT EXECUTE FUNCTION vats_notify_trunks();

-- Outbound caller ID: which of the tenant's numbers a call shows, per tenant, group, employee
-- or SIP line, optionally only for destinations starting with a prefix (+7495, +49). The most
-- specific scope wins (line, employee, group, tenant); within it, the longest prefix.
CREATE TABLE outbound_caller_ids (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    scope      text NOT NULL CHECK (scope IN ('tenant', 'group', 'employee', 'line')),
    scope_id   uuid,
    prefix     text NOT NULL DEFAULT '' CHECK (prefix ~ '^(\+[0-9]{1,14})?$'),
    number_id  uuid NOT NULL,
    CHECK ((scope = 'tenant') = (scope_id IS NULL)),
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE CASCADE,
    UNIQUE NULLS NOT DISTINCT (tenant_id, scope, scope_id, prefix),
    UNIQUE (tenant_id, id)
);

-- Outbound bans per SIP line: destinations starting with a prefix may not be called from it.
CREATE TABLE outbound_bans (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    terminal_id uuid NOT NULL,
    prefix      text NOT NULL CHECK (prefix ~ '^\+[0-9]{0,14}$'),
    FOREIGN KEY (tenant_id, terminal_id) REFERENCES terminals (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, terminal_id, prefix),
    UNIQUE (tenant_id, id)
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY['outbound_caller_ids', 'outbound_bans']::regclass[]) AS t;
