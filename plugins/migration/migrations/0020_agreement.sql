-- The migration agreement ("миграционная оферта", seed 000): a legal text the operator edits;
-- every save is a new version and old versions are kept as they were. Every tenant reads the
-- versions (its admins accept one); only the system scope (the operator) adds one, and no one
-- changes or deletes a published version (no UPDATE or DELETE policy exists).
CREATE TABLE migration_agreements (
    version      integer PRIMARY KEY CHECK (version >= 1),
    title        text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    body         text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 200000),
    published_by text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE migration_agreements ENABLE ROW LEVEL SECURITY;
ALTER TABLE migration_agreements FORCE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON migration_agreements FOR SELECT USING (true);
CREATE POLICY operator_publishes ON migration_agreements FOR INSERT WITH CHECK (vats_is_system());

-- Who accepted which version, and when: one row per tenant and version (a second admin
-- accepting the same version changes nothing). The employee's name and e-mail are copied as
-- they were at acceptance, so the record stays readable if the employee is later renamed or
-- removed (hence no foreign key to employees).
CREATE TABLE migration_agreement_acceptances (
    tenant_id      uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    version        integer NOT NULL REFERENCES migration_agreements ON DELETE RESTRICT,
    employee_id    uuid NOT NULL,
    employee_name  text NOT NULL,
    employee_email text NOT NULL,
    accepted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, version)
);
SELECT vats_enable_tenant_rls('migration_agreement_acceptances');
