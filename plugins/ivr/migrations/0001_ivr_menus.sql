CREATE TABLE ivr_menus (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    level      integer NOT NULL CHECK (level IN (1, 2)),
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);
SELECT vats_enable_tenant_rls('ivr_menus');
CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON ivr_menus
    FOR EACH ROW EXECUTE FUNCTION vats_notify_config();
