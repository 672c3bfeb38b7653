-- What the "uniform" ring strategy remembers: when each employee last finished an answered
-- call. Written with the call record (same transaction), read by every vats process into
-- memory; each change notifies channel vats_ring_memory with "<tenant>:<employee>:<epoch>",
-- so every router process orders a uniform group the same way within milliseconds.
CREATE TABLE ring_memory (
    tenant_id        uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    employee_id      uuid NOT NULL,  -- no reference: a record may outlive its employee
    last_finished_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, employee_id)
);
SELECT vats_enable_tenant_rls('ring_memory');

CREATE FUNCTION vats_notify_ring_memory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_ring_memory',
        NEW.tenant_id::text || ':' || NEW.employee_id::text || ':' || extract(epoch FROM NEW.last_finished_at)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER vats_ring_memory_changed AFTER INSERT OR UPDATE ON ring_memory
    FOR EACH ROW EXECUTE FUNCTION vats_notify_ring_memory();

-- Seeded from the records already stored (until now this lived in each process's memory).
INSERT INTO ring_memory (tenant_id, employee_id, last_finished_at)
SELECT r.tenant_id, (p->>'employee_id')::uuid, max(r.ended_at)
  FROM call_records r, jsonb_array_elements(r.record->'participants') p
 WHERE r.answered_at IS NOT NULL AND p->>'outcome' = 'answered' AND p->>'employee_id' IS NOT NULL
 GROUP BY 1, 2;
