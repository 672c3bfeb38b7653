-- A new task, or one given to someone else, appears on its assignees' open cabinet pages at
-- once: channel vats_live (the kernel's live updates, core/db/migrations/0016_live_events.sql),
-- addressed to the assignee or to the members of the assigned group only.
CREATE FUNCTION crm_live_task() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    recipients uuid[];
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.assignee_kind = OLD.assignee_kind AND NEW.assignee_id = OLD.assignee_id THEN
        RETURN NULL;
    END IF;
    IF NEW.assignee_kind = 'employee' THEN
        recipients := ARRAY[NEW.assignee_id];
    ELSE
        recipients := ARRAY(SELECT m.employee_id FROM group_members m
                            WHERE m.tenant_id = NEW.tenant_id AND m.group_id = NEW.assignee_id);
    END IF;
    PERFORM pg_notify('vats_live', json_build_object(
        'tenant', NEW.tenant_id, 'kind', 'task', 'to', recipients,
        'data', json_build_object('task_id', NEW.id, 'task_kind', NEW.kind, 'title', left(NEW.title, 200),
                                  'number', NEW.number, 'reassigned', TG_OP = 'UPDATE'))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER crm_live_task AFTER INSERT OR UPDATE OF assignee_kind, assignee_id ON crm_tasks
    FOR EACH ROW EXECUTE FUNCTION crm_live_task();
