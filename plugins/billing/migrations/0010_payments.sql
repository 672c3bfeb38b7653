-- Payments through a gateway (top-ups, card bindings, charges of a bound card), the bound
-- card and the autopay settings. Money is integer kopecks.

CREATE TABLE billing_payments (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- also the gateway's Idempotence-Key
    tenant_id          uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    gateway            text NOT NULL CHECK (length(gateway) BETWEEN 1 AND 40),
    gateway_payment_id text CHECK (length(gateway_payment_id) BETWEEN 1 AND 100),  -- set once the gateway answers
    purpose            text NOT NULL CHECK (purpose IN ('top_up', 'card_binding', 'card_charge')),
    method             text NOT NULL CHECK (method IN ('card', 'sbp', 'saved_card')),
    -- card charges: what made it (autopay's threshold or monthly day, or the admin's one-off)
    trigger            text CHECK (trigger IN ('threshold', 'monthly', 'one_off')),
    amount_kop         bigint NOT NULL CHECK (amount_kop BETWEEN 1 AND 100000000000),
    -- new: written, not yet sent; sending: a card charge on its way (counts toward the month's limit)
    status             text NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'sending', 'pending', 'waiting_for_capture', 'succeeded', 'canceled')),
    -- the caller's key (a retried top-up) or the autopay trigger's (autopay:monthly:2026-11):
    -- one payment per key and tenant, whatever the number of processes
    idempotency_key    text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    confirmation_url   text,
    qr_payload         text,
    test               boolean NOT NULL DEFAULT false,  -- a fake or test shop: no real money
    failure            text,  -- why it was canceled: declined, card_expired, monthly_limit, or the gateway's reason
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, idempotency_key),
    UNIQUE (gateway, gateway_payment_id)
);
CREATE INDEX billing_payments_recent ON billing_payments (tenant_id, created_at DESC);
CREATE INDEX billing_payments_unsent ON billing_payments (updated_at) WHERE status IN ('new', 'sending');

-- The card bound for autopay and one-off charges (one per tenant).
CREATE TABLE billing_cards (
    tenant_id    uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    gateway      text NOT NULL,
    card_id      text NOT NULL,  -- the gateway's saved payment method
    last4        text NOT NULL,
    brand        text NOT NULL DEFAULT '',
    expiry_month integer NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
    expiry_year  integer NOT NULL CHECK (expiry_year BETWEEN 2000 AND 2200),
    test         boolean NOT NULL DEFAULT false,
    bound_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing_autopay (
    tenant_id            uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    terms_accepted_at    timestamptz,
    threshold_kop        bigint CHECK (threshold_kop BETWEEN 0 AND 100000000000),
    threshold_amount_kop bigint CHECK (threshold_amount_kop BETWEEN 100 AND 100000000),
    -- armed: the balance was at or above the threshold since the last threshold charge; the
    -- process that disarms it (one UPDATE) makes the one charge of this dip, number dips + 1
    threshold_armed      boolean NOT NULL DEFAULT true,
    threshold_dips       bigint NOT NULL DEFAULT 0,
    monthly_day          integer CHECK (monthly_day BETWEEN 1 AND 31),  -- 31: the month's last day
    monthly_amount_kop   bigint CHECK (monthly_amount_kop BETWEEN 100 AND 100000000),
    monthly_since        date,  -- months before this one are never charged
    monthly_limit_kop    bigint CHECK (monthly_limit_kop BETWEEN 100 AND 100000000000),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((threshold_kop IS NULL) = (threshold_amount_kop IS NULL)),
    CHECK ((monthly_day IS NULL) = (monthly_amount_kop IS NULL))
);

SELECT vats_enable_tenant_rls(t)
FROM unnest(ARRAY['billing_payments', 'billing_cards', 'billing_autopay']::regclass[]) AS t;
