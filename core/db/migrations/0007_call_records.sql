-- One record per call, written by the kernel when the call ends (real or simulated) and
-- handed to plugins through call_ended (the CRM builds history and tasks from it).
CREATE TABLE call_records (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    direction   text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    number      text NOT NULL,
    caller      text NOT NULL,
    started_at  timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at    timestamptz NOT NULL,
    simulated   boolean NOT NULL DEFAULT false,
    record      jsonb NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX call_records_tenant_started ON call_records (tenant_id, started_at DESC);
SELECT vats_enable_tenant_rls('call_records');
