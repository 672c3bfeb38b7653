-- Legacy tariffs for migrated customers (plugins/billing/legacy.py): the operator maps each old
-- cabinet's tariff code to a legacy tariff (the old terms, not sold) and a target tariff; a
-- migrated PBX is billed on the legacy one for 30 calendar days from the migration's completion,
-- then on the target.

-- A tariff holding an old cabinet's terms (the operator sets it): never offered for self-service
-- ("Сменить тариф"), never a mapping's target.
ALTER TABLE billing_tariffs ADD COLUMN legacy boolean NOT NULL DEFAULT false;

-- The operator's: no tenant_id (like the tariffs).
CREATE TABLE billing_legacy_tariffs (
    old_code         text PRIMARY KEY CHECK (length(btrim(old_code)) BETWEEN 1 AND 200 AND old_code = btrim(old_code)),
    legacy_tariff_id uuid NOT NULL REFERENCES billing_tariffs ON DELETE RESTRICT,
    target_tariff_id uuid NOT NULL REFERENCES billing_tariffs ON DELETE RESTRICT,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (legacy_tariff_id <> target_tariff_id)
);

-- One row per migrated PBX whose old cabinet named a tariff: what it got and when it moves on.
-- legacy_tariff_id NULL: the code was not mapped; the PBX got the default tariff and the
-- operator is warned (the portal's Старые тарифы page) until the code is mapped.
CREATE TABLE billing_legacy_terms (
    tenant_id        uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    old_code         text NOT NULL CHECK (length(old_code) BETWEEN 1 AND 200),
    legacy_tariff_id uuid REFERENCES billing_tariffs ON DELETE SET NULL,
    target_tariff_id uuid REFERENCES billing_tariffs ON DELETE SET NULL,
    completed_at     timestamptz NOT NULL,  -- the migration's completion
    switch_on        date NOT NULL,         -- the first day on the target (UTC date): completion + 30 days
    switched_at      timestamptz,           -- the switch was made (or found superseded): exactly once
    outcome          text CHECK (outcome IN ('switched', 'superseded')),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_legacy_terms_due ON billing_legacy_terms (switch_on) WHERE switched_at IS NULL;
SELECT vats_enable_tenant_rls('billing_legacy_terms'::regclass);
