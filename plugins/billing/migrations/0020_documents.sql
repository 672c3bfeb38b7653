-- Documents: invoices for a top-up (счёт на оплату) and the monthly closing documents (УПД,
-- акт сверки) as PDF, numbered without gaps per kind and year; the operator's own requisites
-- (the seller on every document) and VAT as data with effective dates.

-- VAT: the rate in force from a day on (the latest row not after a document's date).
-- rate_pct NULL: the operator pays no VAT (documents say "Без НДС").
CREATE TABLE billing_vat_rates (
    effective_from date PRIMARY KEY,
    rate_pct       integer CHECK (rate_pct BETWEEN 0 AND 100),
    created_at     timestamptz NOT NULL DEFAULT now()
);
-- 20 % from 2019, 22 % from 2026; the operator adds a row when the law changes.
INSERT INTO billing_vat_rates (effective_from, rate_pct) VALUES ('2019-01-01', 20), ('2026-01-01', 22);

-- The operator's requisites (one row): the seller and the bank account payers transfer to.
CREATE TABLE billing_operator_requisites (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    inn          text NOT NULL CHECK (inn ~ '^([0-9]{10}|[0-9]{12})$'),
    kpp          text CHECK (kpp ~ '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$'),
    address      text NOT NULL CHECK (length(btrim(address)) BETWEEN 1 AND 500),
    bank_name    text NOT NULL CHECK (length(btrim(bank_name)) BETWEEN 1 AND 300),
    bik          text NOT NULL CHECK (bik ~ '^[0-9]{9}$'),
    account      text NOT NULL CHECK (account ~ '^[0-9]{20}$'),       -- расчётный счёт
    corr_account text NOT NULL CHECK (corr_account ~ '^[0-9]{20}$'),  -- корреспондентский счёт
    director     text NOT NULL DEFAULT '' CHECK (length(director) <= 200),
    accountant   text NOT NULL DEFAULT '' CHECK (length(accountant) <= 200),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The last number given per kind and year: the row is locked by the transaction that gives the
-- next one and stores its document, so a failed transaction gives its number back (no gaps)
-- and two never get the same one.
CREATE TABLE billing_document_counters (
    kind        text NOT NULL CHECK (kind IN ('invoice', 'upd', 'reconciliation')),
    year        integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    last_number integer NOT NULL DEFAULT 0 CHECK (last_number >= 0),
    PRIMARY KEY (kind, year)
);

CREATE TABLE billing_documents (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('invoice', 'upd', 'reconciliation')),
    year         integer NOT NULL,
    number       integer NOT NULL CHECK (number >= 1),
    issued_on    date NOT NULL,
    period_start date,  -- closing documents: the month [period_start, period_end)
    period_end   date CHECK (period_end > period_start),
    amount_kop   bigint NOT NULL CHECK (amount_kop BETWEEN -100000000000 AND 100000000000),
    vat_pct      integer,  -- NULL: без НДС
    vat_kop      bigint NOT NULL DEFAULT 0,
    pdf          bytea NOT NULL,  -- rendered once: every download gives the same bytes
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, year, number),
    UNIQUE (tenant_id, kind, period_start),
    CHECK ((kind = 'invoice') = (period_start IS NULL))
);
CREATE INDEX billing_documents_recent ON billing_documents (tenant_id, created_at DESC);
SELECT vats_enable_tenant_rls('billing_documents');

-- Calls: the billed seconds of a call's charge (after the rate's first and next steps), for the
-- call detail report; NULL on other movements and on calls rated before this column.
ALTER TABLE billing_ledger ADD COLUMN billed_s integer CHECK (billed_s >= 0);
