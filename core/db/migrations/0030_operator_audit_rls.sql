-- The operator audit log names a tenant on most rows: like every table with tenant_id, it is
-- read and written under row-level security (a tenant's scope sees only its own rows; rows about
-- trunks, which belong to no tenant, only the system scope sees).
SELECT vats_enable_tenant_rls('operator_audit');
