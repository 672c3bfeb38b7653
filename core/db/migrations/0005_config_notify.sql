-- Every change to what routing reads notifies channel vats_config with "<table>:<tenant id>", so
-- each vats process refreshes its in-memory snapshot of that tenant within milliseconds.
-- (PostgreSQL delivers identical notifications of one transaction once, so bulk changes are cheap.)
CREATE FUNCTION vats_notify_config() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_data record := coalesce(NEW, OLD);
    tenant text;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        tenant := row_data.id::text;
    ELSE
        tenant := row_data.tenant_id::text;
    END IF;
    PERFORM pg_notify('vats_config', TG_TABLE_NAME || ':' || tenant);
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenants', 'schedules', 'calendars', 'calendar_days', 'numbers', 'number_tags', 'tags', 'employees',
        'terminals', 'groups', 'group_members', 'extensions', 'forward_rules', 'absences', 'extra_periods',
        'tenant_plugins', 'media', 'media_files'
    ] LOOP
        EXECUTE format(
            'CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON %I'
            ' FOR EACH ROW EXECUTE FUNCTION vats_notify_config()', t);
    END LOOP;
END $$;
