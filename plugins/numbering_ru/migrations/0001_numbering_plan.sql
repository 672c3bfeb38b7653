-- Russia's numbering plan (the regulator's range registry), shared by all tenants: not tenant
-- data, so no tenant_id and no row-level security. Keys are 10-digit national numbers.
CREATE TABLE numbering_ranges (
    first_number bigint NOT NULL,
    last_number  bigint NOT NULL CHECK (last_number >= first_number),
    code         integer NOT NULL,
    capacity     integer NOT NULL,
    operator     text NOT NULL,
    region       text NOT NULL,
    subjects     text[]  -- ISO 3166-2:RU codes; NULL when the region name maps to none
);
CREATE INDEX numbering_ranges_first ON numbering_ranges (first_number);
