-- vats-migration-replaces: 2b4a6947854a38af71d42e81a1af0f8127ca75dd6004edfa3f412a5912472389
-- Monthly charges on each tenant's billing day, and what non-payment leads to.

ALTER TABLE billing_settings
    ADD COLUMN trial_days integer NOT NULL DEFAULT 14 CHECK (trial_days BETWEEN 0 AND 365);

-- A new account's first charged day: today + the operator's trial days.
CREATE FUNCTION billing_trial_end() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'UTC')::date + coalesce((SELECT trial_days FROM billing_settings), 0)
$$;

ALTER TABLE billing_accounts
    ADD COLUMN charge_from date NOT NULL DEFAULT billing_trial_end(),  -- no period starts earlier is charged
    -- the day of the month its periods start (31: the last day of shorter months)
    ADD COLUMN billing_day smallint NOT NULL DEFAULT extract(day FROM billing_trial_end())::smallint
        CHECK (billing_day BETWEEN 1 AND 31),
    ADD COLUMN options text[] NOT NULL DEFAULT '{}',  -- the tariff's "+" options the tenant took
    -- seats included for this tenant instead of its tariff's (carried over from tenants.seats_included)
    ADD COLUMN seats_included int CHECK (seats_included BETWEEN 0 AND 100000),
    ADD COLUMN below_limit_since date,  -- the first day of the current run below the credit limit
    ADD COLUMN suspended_by_billing timestamptz;  -- billing suspended the PBX (and will resume it)

-- One row per tenant and period: written in the transaction that posts the period's charges,
-- so a period is charged exactly once, whatever the number of processes or restarts.
CREATE TABLE billing_periods (
    tenant_id    uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    period_start date NOT NULL,
    period_end   date NOT NULL CHECK (period_end > period_start),  -- exclusive
    tariff_id    uuid REFERENCES billing_tariffs ON DELETE SET NULL,
    total_kop    bigint NOT NULL,
    charged_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, period_start)
);

-- Warnings and other notices sent at most once per tenant and key (e.g. a day).
CREATE TABLE billing_notices (
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY['billing_periods', 'billing_notices']::regclass[]) AS t;

ALTER TABLE billing_settings
    ADD COLUMN number_monthly_kop bigint NOT NULL DEFAULT 0 CHECK (number_monthly_kop BETWEEN 0 AND 100000000000),
    ADD COLUMN suspend_after_days integer NOT NULL DEFAULT 14 CHECK (suspend_after_days BETWEEN 0 AND 365),
    ADD COLUMN warn_days integer NOT NULL DEFAULT 3 CHECK (warn_days BETWEEN 0 AND 365);

-- The seats a tenant's tariff includes replace the kernel's tenants.seats_included: a tenant
-- whose own value differs from its tariff's keeps it, as its account's. The kernel drops the
-- column (its migration 0065, which runs before this one on a fresh database): moved only
-- while it exists.
DO $$ BEGIN
    IF EXISTS (SELECT FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'tenants' AND column_name = 'seats_included') THEN
        EXECUTE 'UPDATE billing_accounts a SET seats_included = t.seats_included
                 FROM tenants t, billing_tariffs tr
                 WHERE t.id = a.tenant_id AND tr.id = a.tariff_id AND t.seats_included <> tr.seats_included';
    END IF;
END $$;

-- Accounts that existed before monthly charges: charged from today (no trial), on today's day.
UPDATE billing_accounts SET charge_from = (now() AT TIME ZONE 'UTC')::date,
    billing_day = extract(day FROM now() AT TIME ZONE 'UTC')::smallint;
