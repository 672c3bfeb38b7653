CREATE TABLE greetings (
    tenant_id uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    text      text NOT NULL
);
SELECT vats_enable_tenant_rls('greetings');
