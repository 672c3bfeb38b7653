-- The operator's number catalogue (seed 001 "Купить многоканальный номер"): numbers a tenant may
-- buy from its cabinet, with their city, category, one-off price and monthly fee. The operator's
-- own table (no tenant_id): every tenant sees what is for sale.
CREATE TABLE billing_number_catalogue (
    e164        text PRIMARY KEY CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    city        text NOT NULL CHECK (length(btrim(city)) BETWEEN 1 AND 100),
    category    text NOT NULL CHECK (category IN ('ordinary', 'bronze', 'silver', 'gold')),
    price_kop   bigint NOT NULL CHECK (price_kop BETWEEN 0 AND 100000000000),
    monthly_kop bigint NOT NULL CHECK (monthly_kop BETWEEN 0 AND 100000000000),
    -- the buyer: set by the one UPDATE that wins a race for the number; a deleted tenant's
    -- number comes back on sale
    sold_to     uuid REFERENCES tenants ON DELETE SET NULL,
    sold_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_number_catalogue_on_sale ON billing_number_catalogue (city, category) WHERE sold_to IS NULL;

-- Self-service tariff changes, for the record (who, from what, to what, what it cost at once).
CREATE TABLE billing_tariff_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    from_code   text,
    to_code     text NOT NULL,
    charged_kop bigint NOT NULL,
    actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
SELECT vats_enable_tenant_rls('billing_tariff_changes');
