CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    at         timestamptz NOT NULL DEFAULT now(),
    subject    text NOT NULL,
    subject_id uuid NOT NULL,
    change     text NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);
SELECT vats_enable_tenant_rls('audit_log');
