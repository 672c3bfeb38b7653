-- The seats a PBX's price includes belong to its tariff (a billing plugin's, asked through the
-- tenant_seats_included hook), not to the kernel. The kernel never let anyone set this column
-- (every tenant kept its default, 3); the billing plugin carried over the values that differed
-- from a tenant's tariff when it was installed (its migration 0003).
ALTER TABLE tenants DROP COLUMN IF EXISTS seats_included;  -- and its CHECK (seats_max >= seats_included)
ALTER TABLE tenants ADD CONSTRAINT tenants_seats_max_positive CHECK (seats_max >= 1);
