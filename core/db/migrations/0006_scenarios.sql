-- Scenarios: how a number's calls are handled (filters, branches, blocks as JSON).
CREATE TABLE scenarios (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    is_default boolean NOT NULL DEFAULT false,
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX scenarios_one_default ON scenarios (tenant_id) WHERE is_default;
SELECT vats_enable_tenant_rls('scenarios');
CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION vats_notify_config();
