-- Remote provisioning of a softphone: a single-use, expiring link (in a QR code) that serves one
-- SIP line's settings once. Only the token's hash is stored; the password stays in terminals.
CREATE TABLE provisioning_tokens (
    token_hash  bytea NOT NULL PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id uuid NOT NULL,
    terminal_id uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, terminal_id) REFERENCES terminals (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX provisioning_tokens_terminal ON provisioning_tokens (terminal_id);
SELECT vats_enable_tenant_rls('provisioning_tokens');
