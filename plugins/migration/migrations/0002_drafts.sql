-- The migration wizard's drafts (seed 000): one per old customer, from its export, until "Создать
-- ЛК ВАТС" creates the PBX. `employees` is the wizard's list as last saved (NULL: not saved
-- yet, the list proposed from the forwarding addressees is shown); it may be incomplete, since
-- the admin saves at any step. The draft belongs to no tenant before creation, so it is the
-- operator's (system scope), like migration_imports' keys.
CREATE TABLE migration_drafts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key         text NOT NULL UNIQUE CHECK (length(key) BETWEEN 3 AND 300),
    source      text NOT NULL,
    customer    jsonb NOT NULL,
    employees   jsonb,
    tenant_id   uuid REFERENCES tenants ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    saved_at    timestamptz NOT NULL DEFAULT now()
);
-- Only the system scope (the operator) reads or writes drafts.
ALTER TABLE migration_drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE migration_drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY operator_only ON migration_drafts USING (vats_is_system()) WITH CHECK (vats_is_system());
