-- Routing's contact cache (plugins/crm/lookup.py) is told which number changed, not only which
-- tenant: one contact's new manager no longer makes every process reload all of the tenant's
-- routing contacts (under load that reload ran on every call that assigned a manager).
-- Payload: "<tenant id> <number>".
CREATE OR REPLACE FUNCTION crm_notify_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'crm_contacts' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('vats_crm_contacts', OLD.tenant_id::text || ' ' || OLD.number);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('vats_crm_contacts', NEW.tenant_id::text || ' ' || NEW.number);
        END IF;
    ELSE  -- crm_contact_tags: the number of the contact whose tags changed
        PERFORM pg_notify('vats_crm_contacts', c.tenant_id::text || ' ' || c.number) FROM crm_contacts c
            WHERE c.tenant_id = coalesce(NEW.tenant_id, OLD.tenant_id) AND c.id = coalesce(NEW.contact_id, OLD.contact_id);
    END IF;
    RETURN NULL;
END $$;
