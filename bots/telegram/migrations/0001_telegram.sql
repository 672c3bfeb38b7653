-- The Telegram bot: who is linked to which employee, one-time link codes, and the outbox of
-- alerts (written in the same transaction as the task that causes them).

CREATE TABLE telegram_links (
    tenant_id        uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id      uuid NOT NULL,
    telegram_user_id bigint NOT NULL UNIQUE,  -- one Telegram account speaks for one employee
    chat_id          bigint NOT NULL,
    username         text,
    language         text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    linked_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id),      -- and one employee has one Telegram account
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);

-- Only a hash of each code is kept: a database dump does not hand out links.
CREATE TABLE telegram_link_codes (
    code_hash   bytea PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE telegram_outbox (
    id              bigserial PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id     uuid NOT NULL,
    chat_id         bigint NOT NULL,
    kind            text NOT NULL,            -- task, digest
    task_id         uuid,
    message         jsonb NOT NULL,           -- text, buttons, voice file: what to send
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    sending_since   timestamptz,              -- claimed by a sender that has not reported back yet
    -- attempts whose fate is unknown (the connection dropped after the request went out):
    -- Telegram may have shown the message, so the retry may show it a second time.
    uncertain       integer NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    message_id      bigint,
    failed_at       timestamptz,              -- given up (the user blocked the bot, chat gone)
    last_error      text,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
-- A new alert wakes the senders at once (delivered when the task's transaction commits).
CREATE FUNCTION telegram_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_telegram_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER telegram_outbox_new AFTER INSERT ON telegram_outbox FOR EACH STATEMENT
    EXECUTE FUNCTION telegram_outbox_notify();
CREATE INDEX telegram_outbox_due ON telegram_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The admins' daily digest: the last day it went out, per tenant.
CREATE TABLE telegram_digests (
    tenant_id uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    sent_on   date NOT NULL
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY[
    'telegram_links', 'telegram_link_codes', 'telegram_outbox', 'telegram_digests'
]::regclass[]) AS t;
