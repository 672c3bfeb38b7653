-- Live updates for open cabinet pages (bots/web/cabinet/live.py): whatever changes what an open
-- page shows notifies channel vats_live with a JSON payload
--   {"tenant": "<tenant id>", "kind": "<event>", "to": ["<employee id>", ...] | null, "data": {...}}
-- ("to" null: every open page of the tenant; else only those employees' pages). Plugins notify
-- the same channel from their own triggers (the CRM: new and reassigned tasks).
-- Here: an employee's availability (the shell's switch, the lists that show it).
CREATE FUNCTION vats_live_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.availability IS DISTINCT FROM OLD.availability THEN
        PERFORM pg_notify('vats_live', json_build_object(
            'tenant', NEW.tenant_id, 'kind', 'availability', 'to', NULL,
            'data', json_build_object('employee_id', NEW.id, 'mode', NEW.availability))::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER vats_live_availability AFTER UPDATE OF availability ON employees
    FOR EACH ROW EXECUTE FUNCTION vats_live_availability();
