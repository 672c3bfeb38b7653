-- Telegram messages now go through the kernel's one outbox (core 0011, channel 'telegram'):
-- the rows still waiting move there, with their attempts; the rest is history and goes.
INSERT INTO outbox (tenant_id, channel, kind, payload, created_at, next_attempt_at, attempts, uncertain, last_error)
SELECT tenant_id, 'telegram', kind,
       jsonb_build_object('employee_id', employee_id, 'chat_id', chat_id, 'task_id', task_id, 'message', message),
       created_at, next_attempt_at, attempts, uncertain + (sending_since IS NOT NULL)::int, last_error
FROM telegram_outbox WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY id;

DROP TABLE telegram_outbox;
DROP FUNCTION telegram_outbox_notify();

-- A link that goes (unlinked, or its employee deleted) takes the alerts still waiting for it:
-- nothing reaches a chat that no longer speaks for the employee.
CREATE FUNCTION telegram_link_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM outbox WHERE tenant_id = OLD.tenant_id AND channel = 'telegram'
        AND payload->>'employee_id' = OLD.employee_id::text AND sent_at IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER telegram_link_gone AFTER DELETE ON telegram_links FOR EACH ROW EXECUTE FUNCTION telegram_link_gone();
