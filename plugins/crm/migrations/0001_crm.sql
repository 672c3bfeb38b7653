-- The CRM: contacts, call history, tasks, deals, comments, external CRM user ids.
-- Employees referenced by these tables may be deleted: the reference becomes NULL (the
-- history keeps its rows), except assignees of open tasks (the kernel asks first).

CREATE TABLE crm_settings (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    duplicate_check boolean NOT NULL DEFAULT true
);

CREATE TABLE crm_contacts (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    number     text NOT NULL,
    name       text NOT NULL DEFAULT '',
    kind       text NOT NULL DEFAULT 'unsaved' CHECK (kind IN ('unsaved', 'business', 'personal')),
    company    text NOT NULL DEFAULT '',
    manager_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES employees (tenant_id, id) ON DELETE SET NULL (manager_id)
);
CREATE INDEX crm_contacts_created ON crm_contacts (tenant_id, created_at DESC);

CREATE TABLE crm_contact_tags (
    tenant_id  uuid NOT NULL,
    contact_id uuid NOT NULL,
    tag_id     uuid NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, tag_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES crm_contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);

-- The history: one row per call record, with what its filters and visibility rules need.
CREATE TABLE crm_calls (
    id            uuid NOT NULL,
    tenant_id     uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    started_at    timestamptz NOT NULL,
    direction     text NOT NULL,
    number        text NOT NULL,       -- our side: the DID (inbound) or the line's caller ID
    peer          text NOT NULL,       -- the other side: the client's number, or an extension
    contact_id    uuid,
    answered      boolean NOT NULL,
    answered_by   uuid,                -- employee
    made_by       uuid,                -- employee who called out
    talk_s        integer NOT NULL DEFAULT 0,
    addressed     uuid[] NOT NULL DEFAULT '{}',  -- employees rung (personally or as members)
    personally    uuid[] NOT NULL DEFAULT '{}',  -- of those, the ones rung not as a member of a rung group
    missed_by     uuid[] NOT NULL DEFAULT '{}',  -- employees rung who did not answer
    groups        uuid[] NOT NULL DEFAULT '{}',  -- groups the scenario rang
    scenario_id   uuid,
    personal      boolean NOT NULL DEFAULT false, -- the contact is personal: admins only
    has_recording boolean NOT NULL DEFAULT false,
    has_voicemail boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES crm_contacts (tenant_id, id) ON DELETE SET NULL (contact_id)
);
CREATE INDEX crm_calls_started ON crm_calls (tenant_id, started_at DESC);
CREATE INDEX crm_calls_contact ON crm_calls (tenant_id, contact_id, started_at DESC);
CREATE INDEX crm_calls_people ON crm_calls USING gin (addressed, personally, groups);

CREATE TABLE crm_call_tags (
    tenant_id uuid NOT NULL,
    call_id   uuid NOT NULL,
    tag_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, call_id, tag_id),
    FOREIGN KEY (tenant_id, call_id) REFERENCES crm_calls (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE crm_tasks (
    id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN
                  ('missed', 'voicemail', 'callback', 'failed_forwarding', 'failed_outbound', 'manual')),
    title         text NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    assignee_kind text NOT NULL CHECK (assignee_kind IN ('employee', 'group')),
    assignee_id   uuid NOT NULL,
    contact_id    uuid,
    number        text,
    deadline      timestamptz,
    repeats       integer NOT NULL DEFAULT 1,  -- duplicates counted on the open task
    voicemail     text,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES crm_contacts (tenant_id, id) ON DELETE SET NULL (contact_id)
);
CREATE INDEX crm_tasks_created ON crm_tasks (tenant_id, created_at DESC);
CREATE INDEX crm_tasks_open ON crm_tasks (tenant_id, assignee_id) WHERE status IN ('open', 'in_progress');

CREATE TABLE crm_deals (
    id             uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    contact_id     uuid NOT NULL,
    title          text NOT NULL,
    status         text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'won', 'lost')),
    responsible_id uuid,
    private        boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, contact_id),  -- one deal per contact
    FOREIGN KEY (tenant_id, contact_id) REFERENCES crm_contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, responsible_id) REFERENCES employees (tenant_id, id) ON DELETE SET NULL (responsible_id)
);
CREATE INDEX crm_deals_created ON crm_deals (tenant_id, created_at DESC);

-- Attachments: calls and tasks on a task or a deal.
CREATE TABLE crm_attachments (
    tenant_id    uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    owner_kind   text NOT NULL CHECK (owner_kind IN ('task', 'deal')),
    owner_id     uuid NOT NULL,
    item_kind    text NOT NULL CHECK (item_kind IN ('call', 'task')),
    item_id      uuid NOT NULL,
    attached_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, owner_kind, owner_id, item_kind, item_id)
);

CREATE TABLE crm_comments (
    id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    owner_kind text NOT NULL CHECK (owner_kind IN ('task', 'deal')),
    owner_id   uuid NOT NULL,
    author_id  uuid,
    text       text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, author_id) REFERENCES employees (tenant_id, id) ON DELETE SET NULL (author_id)
);
CREATE INDEX crm_comments_owner ON crm_comments (tenant_id, owner_kind, owner_id, created_at);

-- CRM mapping: an employee's user id in the company's external CRM.
CREATE TABLE crm_user_map (
    tenant_id   uuid NOT NULL,
    employee_id uuid NOT NULL,
    external_id text NOT NULL CHECK (length(btrim(external_id)) BETWEEN 1 AND 200),
    PRIMARY KEY (tenant_id, employee_id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY[
    'crm_settings', 'crm_contacts', 'crm_contact_tags', 'crm_calls', 'crm_call_tags', 'crm_tasks', 'crm_deals',
    'crm_attachments', 'crm_comments', 'crm_user_map'
]::regclass[]) AS t;

-- Routing reads contacts with tags or a personal manager from memory (plugins/crm/lookup.py);
-- these triggers tell every vats process which tenant's contacts changed. A new "not saved"
-- contact (one per new caller) carries neither, so it does not disturb the cache.
CREATE FUNCTION crm_notify_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vats_crm_contacts', coalesce(NEW.tenant_id, OLD.tenant_id)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER crm_contacts_routing_insert AFTER INSERT ON crm_contacts FOR EACH ROW
    WHEN (NEW.manager_id IS NOT NULL) EXECUTE FUNCTION crm_notify_contacts();
CREATE TRIGGER crm_contacts_routing_update AFTER UPDATE ON crm_contacts FOR EACH ROW
    WHEN (OLD.manager_id IS DISTINCT FROM NEW.manager_id OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.number IS DISTINCT FROM NEW.number) EXECUTE FUNCTION crm_notify_contacts();
CREATE TRIGGER crm_contacts_routing_delete AFTER DELETE ON crm_contacts FOR EACH ROW
    EXECUTE FUNCTION crm_notify_contacts();
CREATE TRIGGER crm_contact_tags_routing AFTER INSERT OR UPDATE OR DELETE ON crm_contact_tags FOR EACH ROW
    EXECUTE FUNCTION crm_notify_contacts();
