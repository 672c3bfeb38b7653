-- A migrated PBX's life until «Завершить миграцию» (seed 000). One row per migrated tenant:
-- `pending` (the old rules route the numbers while the admin checks the new settings),
-- `completing` (the background job runs; steps_done of steps_total), `completed` (the numbers
-- follow the new scenarios; irreversible). `admin_id` is the first admin the migration created:
-- «Пересоздать» keeps them and parks the kept SIP lines on them.
CREATE TABLE migration_states (
    tenant_id     uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    source        text NOT NULL,
    import_key    text NOT NULL,
    admin_id      uuid NOT NULL,
    tariff        text,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completing', 'completed')),
    steps_total   integer NOT NULL DEFAULT 0 CHECK (steps_total >= 0),
    steps_done    integer NOT NULL DEFAULT 0 CHECK (steps_done BETWEEN 0 AND steps_total),
    requested_by  uuid,
    requested_at  timestamptz,
    completed_at  timestamptz,
    recreated     integer NOT NULL DEFAULT 0,
    warnings      jsonb NOT NULL DEFAULT '[]',
    summary       jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
SELECT vats_enable_tenant_rls('migration_states');

-- Per migrated number: the scenario holding its old rules (bound to it until completion) and
-- the new one the admin reviews (bound at completion, all numbers in one transaction). The new
-- scenario may be deleted by the admin meanwhile (then the number's own choice counts, see
-- completion.py); the old-rules one is the migration's and read-only (trigger below).
CREATE TABLE migration_numbers (
    tenant_id        uuid NOT NULL,
    number_id        uuid NOT NULL,
    e164             text NOT NULL,
    old_scenario_id  uuid NOT NULL,
    new_scenario_id  uuid,
    switched         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, number_id),
    FOREIGN KEY (tenant_id) REFERENCES migration_states (tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, new_scenario_id) REFERENCES scenarios (tenant_id, id) ON DELETE SET NULL (new_scenario_id)
);
SELECT vats_enable_tenant_rls('migration_numbers');

-- The old rules are the old cabinet's, not a setting: nobody edits or deletes them until the
-- completion retires them (it sets vats.migration_switch in its transaction). A PBX being
-- deleted takes them with it.
CREATE FUNCTION migration_old_rules_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('vats.migration_switch', true), '') = 'on'
       OR NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF EXISTS (SELECT 1 FROM migration_numbers m WHERE m.tenant_id = OLD.tenant_id AND m.old_scenario_id = OLD.id) THEN
        RAISE EXCEPTION 'the old rules of a migration are read-only until it is completed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'migration_old_rules_read_only';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER migration_old_rules_read_only BEFORE UPDATE OR DELETE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION migration_old_rules_read_only();
