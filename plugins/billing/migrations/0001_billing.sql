-- Billing: rate plans, tariffs, each tenant's account (tariff, cached balance) and the
-- append-only ledger of money movements. Money is integer kopecks everywhere.

-- Rate plans belong to the operator (no tenant_id): destination prefix -> price.
CREATE TABLE billing_rate_plans (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    version    bigint NOT NULL DEFAULT 1,  -- bumped on every change: in-memory indexes reload
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing_rates (
    rate_plan_id     uuid NOT NULL REFERENCES billing_rate_plans ON DELETE CASCADE,
    prefix           text NOT NULL CHECK (prefix ~ '^[0-9]{1,15}$'),  -- E.164 digits, no '+'
    name             text NOT NULL DEFAULT '',
    price_per_min_kop bigint NOT NULL CHECK (price_per_min_kop BETWEEN 0 AND 100000000),
    connect_fee_kop  bigint NOT NULL DEFAULT 0 CHECK (connect_fee_kop BETWEEN 0 AND 100000000),
    first_s          integer NOT NULL DEFAULT 60 CHECK (first_s BETWEEN 1 AND 3600),
    next_s           integer NOT NULL DEFAULT 60 CHECK (next_s BETWEEN 1 AND 3600),
    PRIMARY KEY (rate_plan_id, prefix)
);

CREATE TABLE billing_tariffs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code              text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
    name              text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    monthly_fee_kop   bigint NOT NULL CHECK (monthly_fee_kop BETWEEN 0 AND 100000000000),
    seats_included    integer NOT NULL CHECK (seats_included BETWEEN 0 AND 100000),
    extra_seat_kop    bigint NOT NULL CHECK (extra_seat_kop BETWEEN 0 AND 100000000000),
    options           jsonb NOT NULL DEFAULT '[]',  -- [{code, name, price_kop}]: the "+" options
    rate_plan_id      uuid REFERENCES billing_rate_plans ON DELETE RESTRICT,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per tenant: its tariff and the balance cached from the ledger (updated in the
-- transaction that appends the movement, so it always equals the ledger's sum).
CREATE TABLE billing_accounts (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    tariff_id   uuid REFERENCES billing_tariffs ON DELETE RESTRICT,
    balance_kop bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing_ledger (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('call', 'adjustment', 'payment', 'charge', 'refund')),
    amount_kop      bigint NOT NULL CHECK (amount_kop <> 0 AND abs(amount_kop) <= 100000000000),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    reference       text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),  -- e.g. call:<uuid>
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    actor           text NOT NULL DEFAULT 'system' CHECK (length(actor) <= 200),  -- who made it
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX billing_ledger_recent ON billing_ledger (tenant_id, id DESC);

-- Append-only: a movement is never changed or removed (a mistake is corrected by another
-- movement). Only the cascade of a tenant's own deletion (a nested trigger) may remove rows.
CREATE FUNCTION billing_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'billing_ledger is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER billing_ledger_append_only BEFORE UPDATE OR DELETE ON billing_ledger
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();
CREATE TRIGGER billing_ledger_no_truncate BEFORE TRUNCATE ON billing_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_append_only();

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY['billing_accounts', 'billing_ledger']::regclass[]) AS t;

-- Seeds: a basic rate plan and the two tariffs of the price list.
INSERT INTO billing_rate_plans (id, name) VALUES ('7b0a1c2e-0000-4000-8000-000000000001', 'Базовый');
INSERT INTO billing_rates (rate_plan_id, prefix, name, price_per_min_kop, connect_fee_kop, first_s, next_s) VALUES
    ('7b0a1c2e-0000-4000-8000-000000000001', '7', 'Россия', 250, 0, 60, 60),
    ('7b0a1c2e-0000-4000-8000-000000000001', '7495', 'Москва', 100, 0, 60, 60),
    ('7b0a1c2e-0000-4000-8000-000000000001', '7499', 'Москва', 100, 0, 60, 60),
    ('7b0a1c2e-0000-4000-8000-000000000001', '79', 'Россия, мобильные', 200, 0, 60, 60);
INSERT INTO billing_tariffs (code, name, monthly_fee_kop, seats_included, extra_seat_kop, options, rate_plan_id) VALUES
    ('start', 'Старт', 99000, 3, 39000,
     '[{"code": "recording", "name": "Запись разговоров", "price_kop": 50000}]',
     '7b0a1c2e-0000-4000-8000-000000000001'),
    ('pro', 'Про', 299000, 10, 29000,
     '[{"code": "recording", "name": "Запись разговоров", "price_kop": 0}, {"code": "crm", "name": "CRM", "price_kop": 0}]',
     '7b0a1c2e-0000-4000-8000-000000000001');
