-- Notification recipients (named so, to keep them apart from CRM contacts): the e-mail
-- addresses and mobile numbers a tenant wants warned, each with its low-balance threshold.
-- A recipient receives nothing but its verification until it is confirmed.
CREATE TABLE notification_recipients (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('email', 'sms')),
    address        text NOT NULL,            -- a lower-cased e-mail address, or a number in E.164
    threshold_kop  bigint CHECK (threshold_kop >= 0),  -- warn when the balance falls below; NULL: never
    language       text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    -- low balance: true while the balance is at or above the threshold (the next fall warns);
    -- a warning disarms it, a rise above the threshold arms it again.
    armed          boolean NOT NULL DEFAULT true,
    verified_at    timestamptz,
    secret_hash    bytea,                    -- the e-mail link's token or the SMS code, hashed
    secret_expires timestamptz,
    secret_tries   integer NOT NULL DEFAULT 0,  -- wrong SMS codes entered
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, kind, address)
);
CREATE INDEX notification_recipients_token ON notification_recipients (secret_hash) WHERE secret_hash IS NOT NULL;

-- The operator's settings (one row): the generic HTTP SMS provider and the limits on SMS.
CREATE TABLE notification_settings (
    id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
    sms_http           jsonb,                -- HttpSmsConfig; NULL: no SMS provider configured
    sms_daily_limit    integer NOT NULL DEFAULT 100 CHECK (sms_daily_limit >= 0),  -- per tenant per day
    codes_per_hour     integer NOT NULL DEFAULT 5 CHECK (codes_per_hour >= 0),     -- per destination
    updated_at         timestamptz NOT NULL DEFAULT now()
);
INSERT INTO notification_settings DEFAULT VALUES;

SELECT vats_enable_tenant_rls('notification_recipients');
