-- The in-cabinet notification list (the bell in the cabinet's header): what each employee was
-- told, read or not. Written in the transaction of the event (no far side: the row is the
-- delivery). A new notification and a read one reach the employee's open pages at once on
-- channel vats_live (the kernel's live updates), addressed to that employee only.
CREATE TABLE notification_inbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id uuid NOT NULL,
    kind        text NOT NULL,               -- low_balance, payment, monthly_charge, ...
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    link        text,                        -- a cabinet page to open, if any
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_inbox_employee ON notification_inbox (tenant_id, employee_id, id DESC);
CREATE INDEX notification_inbox_unread ON notification_inbox (tenant_id, employee_id) WHERE read_at IS NULL;

SELECT vats_enable_tenant_rls('notification_inbox');

-- One payload per employee and transaction (identical notifications are folded by PostgreSQL):
-- marking fifty read tells each open page once.
CREATE FUNCTION notification_inbox_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_live', json_build_object(
        'tenant', NEW.tenant_id, 'kind', 'notification', 'to', ARRAY[NEW.employee_id],
        'data', json_build_object('new', TG_OP = 'INSERT'))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER notification_inbox_live AFTER INSERT OR UPDATE OF read_at ON notification_inbox
    FOR EACH ROW EXECUTE FUNCTION notification_inbox_live();
