-- An employee's personal mobile (seed 003): confirmed by an SMS code before it is used, then it
-- serves password recovery by SMS code.
CREATE TABLE employee_personal_mobiles (
    tenant_id       uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id     uuid NOT NULL,
    personal_mobile text NOT NULL,            -- E.164
    verified_at     timestamptz,
    code_hash       bytea,                    -- the confirmation code, hashed
    code_expires    timestamptz,
    code_tries      integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
SELECT vats_enable_tenant_rls('employee_personal_mobiles');

-- Password recovery codes sent by SMS: single use, expiring, a few tries each.
CREATE TABLE password_sms_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id uuid NOT NULL,
    code_hash   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    tries       integer NOT NULL DEFAULT 0,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX password_sms_codes_employee ON password_sms_codes (employee_id, id DESC) WHERE used_at IS NULL;
SELECT vats_enable_tenant_rls('password_sms_codes');

-- Not tenant data: what one client address asked (codes requested, codes tried), for its limits.
CREATE TABLE password_sms_attempts (
    address text NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('request', 'try')),
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_sms_attempts_address ON password_sms_attempts (address, kind, at);
