-- Operator accounts: the people who run the vats installation (create, suspend and resume
-- tenants, assign numbers, manage trunks). Not tenant data, so no row-level security; the
-- bearer token VATS_OPERATOR_TOKEN stays for automation and is audited as the actor 'token'.

CREATE TABLE operator_accounts (
    id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operator_accounts_email ON operator_accounts (lower(email));

-- An operator's cookie session in the portal (/operator): a row of its own, apart from the
-- tenants' sessions, so that no token of one can ever name a session of the other. Checked on
-- every request: a sign-out (revoked_at) ends it at once.
CREATE TABLE operator_sessions (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    operator_id uuid NOT NULL REFERENCES operator_accounts ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Every operator action, whoever did it: an operator account (actor = its e-mail at the time)
-- or the bearer token (actor 'token', operator_id NULL). tenant_id has no foreign key: the
-- record outlives the tenant it names.
CREATE TABLE operator_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    operator_id uuid REFERENCES operator_accounts ON DELETE SET NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    tenant_id   uuid,
    subject_id  uuid,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX operator_audit_at ON operator_audit (id DESC);
CREATE INDEX operator_audit_tenant ON operator_audit (tenant_id, id DESC);
