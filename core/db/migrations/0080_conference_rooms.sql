-- Conference rooms (ConfBridge): a tenant's rooms, reached by one of its numbers and/or an
-- internal extension, with an optional PIN, a rule for who starts the room (until a leader is in,
-- the others wait with music), and recording.
--
-- starts: 'anyone' (the room is open as soon as someone is in), 'admins' (the tenant's admins
-- lead it), 'leaders' (the employees listed in conference_leaders lead it). A leader is known by
-- the phone they call from (an internal call from their own SIP line) or by the leader PIN,
-- which anyone may type instead of the room's PIN to enter as a leader.
CREATE TABLE conference_rooms (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    number_id   uuid,
    extension   text,
    pin         text CHECK (pin ~ '^[0-9]{1,10}$'),
    leader_pin  text CHECK (leader_pin ~ '^[0-9]{1,10}$'),
    starts      text NOT NULL DEFAULT 'anyone' CHECK (starts IN ('anyone', 'admins', 'leaders')),
    record      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (number_id),  -- a number leads into one room
    CHECK (pin IS NULL OR leader_pin IS NULL OR pin <> leader_pin),
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE SET NULL (number_id)
);
SELECT vats_enable_tenant_rls('conference_rooms');

CREATE TABLE conference_leaders (
    tenant_id   uuid NOT NULL,
    room_id     uuid NOT NULL,
    employee_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, room_id, employee_id),
    FOREIGN KEY (tenant_id, room_id) REFERENCES conference_rooms (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
SELECT vats_enable_tenant_rls('conference_leaders');

-- A room's extension is one of the tenant's extensions (unique with employees' and groups').
ALTER TABLE extensions ADD COLUMN room_id uuid;
ALTER TABLE extensions DROP CONSTRAINT extensions_check;
ALTER TABLE extensions ADD CONSTRAINT extensions_one_owner CHECK (num_nonnulls(employee_id, group_id, room_id) = 1);
ALTER TABLE extensions ADD FOREIGN KEY (tenant_id, room_id) REFERENCES conference_rooms (tenant_id, id) ON DELETE CASCADE;

-- Who is in a room now, from Asterisk's ConfbridgeJoin/Leave/End (vats.core.conferences.live).
CREATE TABLE conference_participants (
    tenant_id   uuid NOT NULL,
    room_id     uuid NOT NULL,
    channel     text NOT NULL,
    caller      text NOT NULL DEFAULT '',
    caller_name text NOT NULL DEFAULT '',
    employee_id uuid,
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, channel),
    FOREIGN KEY (tenant_id, room_id) REFERENCES conference_rooms (tenant_id, id) ON DELETE CASCADE
);
SELECT vats_enable_tenant_rls('conference_participants');

-- Routing and the rendered dialplan read the rooms: every process refreshes on change.
CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON conference_rooms
    FOR EACH ROW EXECUTE FUNCTION vats_notify_config();
CREATE TRIGGER vats_config_changed AFTER INSERT OR UPDATE OR DELETE ON conference_leaders
    FOR EACH ROW EXECUTE FUNCTION vats_notify_config();

-- Open cabinet pages follow who is in a room (bots/web/cabinet/live.py).
CREATE FUNCTION vats_live_conference() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_data record := coalesce(NEW, OLD);
BEGIN
    PERFORM pg_notify('vats_live', json_build_object(
        'tenant', row_data.tenant_id, 'kind', 'conference', 'to', NULL,
        'data', json_build_object('room_id', row_data.room_id))::text);
    RETURN NULL;
END $$;

CREATE TRIGGER vats_live_conference AFTER INSERT OR DELETE ON conference_participants
    FOR EACH ROW EXECUTE FUNCTION vats_live_conference();
