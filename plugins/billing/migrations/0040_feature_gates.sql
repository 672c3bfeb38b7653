-- Tariff options gate features (plugins/billing/features.py answers the kernel's tenant_may_use).

-- Routing keeps each tenant's gated features in its in-memory snapshot: a change of the tenant's
-- tariff or options tells every process at once (channel vats_config, as the kernel's tables do),
-- not on every balance change.
CREATE TRIGGER vats_config_changed AFTER INSERT OR DELETE ON billing_accounts
    FOR EACH ROW EXECUTE FUNCTION vats_notify_config();
CREATE TRIGGER vats_config_changed_terms AFTER UPDATE ON billing_accounts
    FOR EACH ROW WHEN (OLD.tariff_id IS DISTINCT FROM NEW.tariff_id OR OLD.options IS DISTINCT FROM NEW.options)
    EXECUTE FUNCTION vats_notify_config();

-- A tariff's options changed: every tenant on it.
CREATE FUNCTION billing_notify_tariff_tenants() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tenant uuid;
BEGIN
    FOR tenant IN SELECT tenant_id FROM billing_accounts WHERE tariff_id = NEW.id LOOP
        PERFORM pg_notify('vats_config', 'billing_accounts:' || tenant::text);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER billing_tariff_options_changed AFTER UPDATE ON billing_tariffs
    FOR EACH ROW WHEN (OLD.options IS DISTINCT FROM NEW.options) EXECUTE FUNCTION billing_notify_tariff_tenants();

-- PBXs that record calls today keep recording: those whose tariff sells recording as an option
-- get it as taken (it was switched on before billing gated it; the operator may take it away).
UPDATE billing_accounts a SET options = array_append(a.options, 'recording')
FROM tenants t, billing_tariffs tr
WHERE t.id = a.tenant_id AND tr.id = a.tariff_id AND coalesce((t.settings->>'recording_enabled')::boolean, false)
  AND NOT 'recording' = ANY(a.options) AND tr.options @> '[{"code": "recording"}]';
