-- The kernel's directory: tenants, schedules, calendars, numbers, tags, employees, terminals,
-- groups, reception rules, absences and extra periods, per-tenant plugin switches.
--
-- Every tenant-owned table carries tenant_id, has UNIQUE (tenant_id, id), and references other
-- tenant-owned rows by the pair (tenant_id, id), so a row can never point into another tenant
-- (foreign-key checks bypass row-level security; composite keys do not). RLS is forced on all
-- of them through vats_enable_tenant_rls().

CREATE FUNCTION vats_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('vats.tenant_id', true), '')::uuid $$;

CREATE FUNCTION vats_is_system() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('vats.system', true), '') = 'on' $$;

-- Plugins call this for each table of theirs that has a tenant_id column.
CREATE FUNCTION vats_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = vats_current_tenant() OR vats_is_system()) '
        'WITH CHECK (tenant_id = vats_current_tenant() OR vats_is_system())', tbl);
END $$;

CREATE TABLE tenants (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    time_zone      text NOT NULL DEFAULT 'Europe/Moscow',
    seats_included integer NOT NULL DEFAULT 3 CHECK (seats_included >= 1),
    seats_max      integer NOT NULL DEFAULT 50 CHECK (seats_max >= seats_included),
    settings       jsonb NOT NULL DEFAULT '{}',
    suspended      boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = vats_current_tenant() OR vats_is_system())
    WITH CHECK (id = vats_current_tenant() OR vats_is_system());

CREATE TABLE schedules (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    is_default boolean NOT NULL DEFAULT false,
    intervals  jsonb NOT NULL DEFAULT '[]',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX schedules_one_default ON schedules (tenant_id) WHERE is_default;

CREATE TABLE calendars (
    id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    is_default          boolean NOT NULL DEFAULT false,
    official_country    text,
    weekend_schedule_id uuid,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, weekend_schedule_id) REFERENCES schedules (tenant_id, id)
);
CREATE UNIQUE INDEX calendars_one_default ON calendars (tenant_id) WHERE is_default;

-- origin 'official' rows come from the holidays package; 'custom' rows are the tenant's
-- overrides and win over official ones for the same day.
CREATE TABLE calendar_days (
    tenant_id   uuid NOT NULL,
    calendar_id uuid NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('day_off', 'working')),
    origin      text NOT NULL CHECK (origin IN ('official', 'custom')),
    note        text NOT NULL DEFAULT '',
    PRIMARY KEY (calendar_id, day, origin),
    FOREIGN KEY (tenant_id, calendar_id) REFERENCES calendars (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE numbers (
    id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    e164                text NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    name                text NOT NULL DEFAULT '',
    recording           boolean NOT NULL DEFAULT false,
    number_as_caller_id boolean NOT NULL DEFAULT false,
    scenario_id         uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);

CREATE TABLE tags (
    id        uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind      text NOT NULL CHECK (kind IN ('contact', 'call', 'number')),
    name      text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    color     text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, kind, name)
);

CREATE TABLE number_tags (
    tenant_id uuid NOT NULL,
    number_id uuid NOT NULL,
    tag_id    uuid NOT NULL,
    PRIMARY KEY (number_id, tag_id),
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE employees (
    id                     uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id              uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    full_name              text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    email                  text NOT NULL,
    role                   text NOT NULL CHECK (role IN ('admin', 'head', 'user', 'restricted')),
    position               text NOT NULL DEFAULT '',
    extension              text NOT NULL,
    dial_through           boolean NOT NULL DEFAULT false,
    caller_id_number_id    uuid,
    time_zone              text,
    schedule_id            uuid NOT NULL,
    calendar_id            uuid NOT NULL,
    availability           text NOT NULL DEFAULT 'by_schedule'
                           CHECK (availability IN ('unavailable', 'by_schedule', 'available')),
    recording              text NOT NULL DEFAULT 'default' CHECK (recording IN ('default', 'on', 'off')),
    ring_mode              text NOT NULL DEFAULT 'parallel' CHECK (ring_mode IN ('parallel', 'sequential')),
    no_answer_after_s      integer NOT NULL DEFAULT 20 CHECK (no_answer_after_s BETWEEN 5 AND 600),
    password_hash          text,
    invitation_accepted_at timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, full_name),
    FOREIGN KEY (tenant_id, caller_id_number_id) REFERENCES numbers (tenant_id, id),
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES schedules (tenant_id, id),
    FOREIGN KEY (tenant_id, calendar_id) REFERENCES calendars (tenant_id, id)
);
-- The e-mail is the log-in: unique across the whole system, whatever its case.
CREATE UNIQUE INDEX employees_email ON employees (lower(email));

-- Numeric SIP log-ins, unique across the system: '005' followed by seven digits.
CREATE SEQUENCE sip_login_seq MINVALUE 1 MAXVALUE 9999999;

CREATE TABLE terminals (
    id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id       uuid NOT NULL,
    employee_id     uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('mobile_app', 'softphone', 'webphone', 'external')),
    sip_login       text UNIQUE,
    sip_password    text,
    external_number text,
    active          boolean NOT NULL DEFAULT true,
    is_primary      boolean NOT NULL DEFAULT true,
    schedule_id     uuid,
    ring_delay_s    integer NOT NULL DEFAULT 0 CHECK (ring_delay_s BETWEEN 0 AND 300),
    ring_time_s     integer NOT NULL DEFAULT 20 CHECK (ring_time_s BETWEEN 5 AND 300),
    channels        integer NOT NULL DEFAULT 1 CHECK (channels BETWEEN 1 AND 100),
    position        integer NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'external') = (external_number IS NOT NULL)),
    CHECK ((kind = 'external') = (sip_login IS NULL)),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, schedule_id) REFERENCES schedules (tenant_id, id)
);
CREATE UNIQUE INDEX terminals_external_once ON terminals (employee_id, external_number)
    WHERE external_number IS NOT NULL;

CREATE TABLE groups (
    id                uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    extension         text NOT NULL,
    dial_through      boolean NOT NULL DEFAULT false,
    strategy          text NOT NULL DEFAULT 'all'
                      CHECK (strategy IN ('all', 'uniform', 'one_by_one', 'incremental', 'least_busy')),
    ring_time_s       integer NOT NULL DEFAULT 30 CHECK (ring_time_s BETWEEN 5 AND 600),
    step_delay_s      integer NOT NULL DEFAULT 10 CHECK (step_delay_s BETWEEN 1 AND 300),
    no_answer_after_s integer NOT NULL DEFAULT 60 CHECK (no_answer_after_s BETWEEN 5 AND 3600),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
    tenant_id   uuid NOT NULL,
    group_id    uuid NOT NULL,
    employee_id uuid NOT NULL,
    position    integer NOT NULL,
    PRIMARY KEY (group_id, employee_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id)
);

-- One extension space per tenant shared by employees and groups: the primary key is the rule.
CREATE TABLE extensions (
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    extension   text NOT NULL,
    employee_id uuid,
    group_id    uuid,
    PRIMARY KEY (tenant_id, extension),
    CHECK ((employee_id IS NULL) <> (group_id IS NULL)),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);

-- Where direct calls go when an employee or a group does not answer, off-hours (employees),
-- during an absence (the absence row carries its own target, below).
CREATE TABLE forward_rules (
    id                 uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    employee_id        uuid,
    group_id           uuid,
    situation          text NOT NULL CHECK (situation IN ('no_answer', 'off_hours')),
    action             text NOT NULL CHECK (action IN ('drop', 'employee', 'group', 'voicemail', 'external')),
    target_employee_id uuid,
    target_group_id    uuid,
    external_number    text,
    UNIQUE (tenant_id, id),
    CHECK ((employee_id IS NULL) <> (group_id IS NULL)),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, target_employee_id) REFERENCES employees (tenant_id, id),
    FOREIGN KEY (tenant_id, target_group_id) REFERENCES groups (tenant_id, id)
);
CREATE UNIQUE INDEX forward_rules_employee ON forward_rules (employee_id, situation) WHERE employee_id IS NOT NULL;
CREATE UNIQUE INDEX forward_rules_group ON forward_rules (group_id, situation) WHERE group_id IS NOT NULL;

CREATE TABLE absences (
    id                 uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    employee_id        uuid NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('vacation', 'sick_leave', 'other')),
    starts_on          date NOT NULL,
    ends_on            date NOT NULL CHECK (ends_on >= starts_on),
    action             text NOT NULL DEFAULT 'drop'
                       CHECK (action IN ('drop', 'employee', 'group', 'voicemail', 'external')),
    target_employee_id uuid,
    target_group_id    uuid,
    external_number    text,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, target_employee_id) REFERENCES employees (tenant_id, id),
    FOREIGN KEY (tenant_id, target_group_id) REFERENCES groups (tenant_id, id)
);

CREATE TABLE extra_periods (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL,
    employee_id uuid NOT NULL,
    available   boolean NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    note        text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE tenant_plugins (
    tenant_id uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    plugin    text NOT NULL,
    enabled   boolean NOT NULL,
    PRIMARY KEY (tenant_id, plugin)
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY[
    'schedules', 'calendars', 'calendar_days', 'numbers', 'tags', 'number_tags', 'employees',
    'terminals', 'groups', 'group_members', 'extensions', 'forward_rules', 'absences',
    'extra_periods', 'tenant_plugins'
]::regclass[]) AS t;
