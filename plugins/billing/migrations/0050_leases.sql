-- Per-process money leases (purse.py): a process serves paid calls from money it reserved
-- (a billing_reservations row 'lease:<process>') and keeps in memory what it read with it.
-- These notifications (channel vats_billing) tell every process when that is no longer true.

-- A tenant's lease is given back at once when its tariff changed, its credit limit fell, or
-- its money no longer covers what is reserved (a monthly charge, an adjustment): 't:<tenant>'.
CREATE FUNCTION billing_notify_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_billing', 't:' || NEW.tenant_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER billing_accounts_leases AFTER UPDATE ON billing_accounts FOR EACH ROW
    WHEN (NEW.tariff_id IS DISTINCT FROM OLD.tariff_id OR NEW.credit_limit_kop < OLD.credit_limit_kop
          OR NEW.balance_kop + NEW.credit_limit_kop < NEW.reserved_kop)
    EXECUTE FUNCTION billing_notify_tenant();

-- Prices, tariffs and settings (the longest paid call): every lease reads them again.
CREATE FUNCTION billing_notify_prices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_billing', 'prices');
    RETURN NULL;
END $$;
CREATE TRIGGER billing_rate_plans_leases AFTER INSERT OR UPDATE OR DELETE ON billing_rate_plans
    FOR EACH STATEMENT EXECUTE FUNCTION billing_notify_prices();
CREATE TRIGGER billing_rates_leases AFTER INSERT OR UPDATE OR DELETE ON billing_rates
    FOR EACH STATEMENT EXECUTE FUNCTION billing_notify_prices();
CREATE TRIGGER billing_tariffs_leases AFTER INSERT OR UPDATE OR DELETE ON billing_tariffs
    FOR EACH STATEMENT EXECUTE FUNCTION billing_notify_prices();
CREATE TRIGGER billing_settings_leases AFTER UPDATE ON billing_settings
    FOR EACH STATEMENT EXECUTE FUNCTION billing_notify_prices();
