-- A tenant's requisites, needed for invoices and closing documents: a legal entity (ИНН of 10
-- digits and a КПП) or an individual entrepreneur (ИНН of 12 digits, no КПП).
CREATE TABLE billing_requisites (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('legal', 'individual')),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    inn        text NOT NULL CHECK (inn ~ '^([0-9]{10}|[0-9]{12})$'),
    kpp        text CHECK (kpp ~ '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$'),
    address    text NOT NULL CHECK (length(btrim(address)) BETWEEN 1 AND 500),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'legal') = (kpp IS NOT NULL) AND (kind = 'legal') = (length(inn) = 10))
);
SELECT vats_enable_tenant_rls('billing_requisites');
