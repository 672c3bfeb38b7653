-- The one delivery outbox (core/outbox): every outgoing message of every plugin (e-mail,
-- Telegram, CRM webhooks, SMS, ...) is a row written in the transaction that causes it, then
-- claimed, sent and marked by the channel's sender, with retries and backoff.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    channel         text NOT NULL CHECK (channel ~ '^[a-z][a-z0-9_]{0,39}$'),  -- mail, telegram, crm_webhook, sms
    kind            text NOT NULL,            -- what it is within the channel: invitation, task, call, ...
    payload         jsonb NOT NULL,           -- what to send, as the channel reads it
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    sending_since   timestamptz,              -- claimed by a sender that has not reported back yet
    -- attempts whose fate is unknown (the connection dropped after the request went out): the far
    -- side may have taken the message, so the retry may deliver it a second time.
    uncertain       integer NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    reference       text,                     -- the far side's id of what it took (Telegram's message id, ...)
    failed_at       timestamptz,              -- given up: refused for good, too many attempts, stale
    last_status     integer,                  -- the far side's last answer code (HTTP, SMTP), if any
    last_error      text
);
CREATE INDEX outbox_due ON outbox (channel, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_tenant ON outbox (tenant_id, channel, id DESC);

-- A new row wakes its channel's senders at once (when the writing transaction commits).
CREATE FUNCTION vats_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_outbox', NEW.channel);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_new AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION vats_outbox_notify();

SELECT vats_enable_tenant_rls('outbox');
