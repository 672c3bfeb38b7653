-- Customers imported from another system: the key ("<source>:<customer id>") makes `vats
-- migrate` idempotent (a second run finds the key and creates nothing again); the row is
-- written in the same transaction as the tenant, so a failed import leaves no key behind.
CREATE TABLE migration_imports (
    key         text PRIMARY KEY CHECK (length(key) BETWEEN 3 AND 300),
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    source      text NOT NULL,
    customer_id text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX migration_imports_tenant ON migration_imports (tenant_id);
SELECT vats_enable_tenant_rls('migration_imports');
