-- A revoked or deleted session notifies channel vats_sessions with "<tenant id>:<session id>", so
-- every vats process drops it from its cache of signed-in sessions (core/accounts/sessions.py)
-- within milliseconds. Changes to employees and tenants already notify vats_config (0005).
CREATE FUNCTION vats_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_sessions', OLD.tenant_id::text || ':' || OLD.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER vats_session_ended AFTER UPDATE OF revoked_at OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION vats_notify_session();
