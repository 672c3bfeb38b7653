-- Prepaid enforcement: each tenant's credit limit, money held for paid calls in progress, and
-- the operator's billing settings (one row).

ALTER TABLE billing_accounts
    ADD COLUMN credit_limit_kop bigint NOT NULL DEFAULT 0 CHECK (credit_limit_kop BETWEEN 0 AND 100000000000),
    -- the sum of billing_reservations.amount_kop: moved by the statements that add and remove them
    ADD COLUMN reserved_kop bigint NOT NULL DEFAULT 0 CHECK (reserved_kop >= 0),
    -- what the latest reservation took: RETURNING cannot read the row before the update (PostgreSQL < 18)
    ADD COLUMN last_hold_kop bigint NOT NULL DEFAULT 0;

-- Money held for a paid call from the moment it is dialled until its record is rated.
CREATE TABLE billing_reservations (
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    call_id    text NOT NULL CHECK (length(call_id) BETWEEN 1 AND 200),  -- Asterisk's linkedid
    amount_kop bigint NOT NULL CHECK (amount_kop > 0),
    expires_at timestamptz NOT NULL,  -- a record that never came (a crash) frees it then
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, call_id)
);
SELECT vats_enable_tenant_rls('billing_reservations');

CREATE TABLE billing_settings (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),  -- one row
    max_call_s integer NOT NULL DEFAULT 14400 CHECK (max_call_s BETWEEN 10 AND 86400),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO billing_settings DEFAULT VALUES;

-- What a call of ``seconds`` talk time costs: as vats.plugins.billing.rating.cost_kop.
CREATE FUNCTION billing_call_cost(price_per_min bigint, connect_fee bigint, first_s integer, next_s integer,
                                  seconds integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN seconds <= 0 THEN 0 ELSE
        connect_fee + ceil((CASE WHEN seconds <= first_s THEN first_s
                                 ELSE first_s + ceil((seconds - first_s)::numeric / next_s) * next_s END)
                           * price_per_min / 60.0)::bigint END
$$;
