-- Accounts: sign-in sessions (refresh tokens), single-use tokens for invitations and password
-- resets, failed log-in attempts (rate limiting), and the dev inbox for mail when no SMTP
-- server is configured.

CREATE TABLE sessions (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id  uuid NOT NULL,
    refresh_hash text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_employee ON sessions (employee_id);

CREATE TABLE account_tokens (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id uuid NOT NULL,
    purpose     text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY['sessions', 'account_tokens']::regclass[]) AS t;

-- Not tenant data: keys are "account:<e-mail>" and "address:<client address>".
CREATE TABLE login_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (key, at);

-- Operator-level: mail that would have been sent; read with `vats mail list`.
CREATE TABLE dev_mail (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
