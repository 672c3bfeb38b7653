-- The outgoing CRM webhook: one endpoint per tenant, and an outbox of events to deliver.
CREATE TABLE crm_webhooks (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    url        text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret     text NOT NULL,  -- the HMAC key; shown to the admin once
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crm_webhook_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    given_up_at  timestamptz,
    last_status  integer,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_webhook_outbox_due ON crm_webhook_outbox (next_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
CREATE INDEX crm_webhook_outbox_tenant ON crm_webhook_outbox (tenant_id, id DESC);

SELECT vats_enable_tenant_rls('crm_webhooks');
SELECT vats_enable_tenant_rls('crm_webhook_outbox');
