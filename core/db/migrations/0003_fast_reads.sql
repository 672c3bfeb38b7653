-- Reads that run on every request, each in a single round trip.

-- The live session's employee, for the API's sign-in check. Sets the tenant scope itself (for
-- the implicit transaction of the calling statement), so row-level security still applies.
CREATE FUNCTION vats_session_principal(p_tenant uuid, p_session uuid)
RETURNS TABLE (employee_id uuid, role text, email text, full_name text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM set_config('vats.tenant_id', p_tenant::text, true);
    RETURN QUERY
        SELECT e.id, e.role, e.email, e.full_name
        FROM sessions s
        JOIN employees e ON e.id = s.employee_id
        JOIN tenants t ON t.id = s.tenant_id
        WHERE s.tenant_id = p_tenant AND s.id = p_session AND s.revoked_at IS NULL
          AND s.expires_at > now() AND NOT t.suspended;
END $$;

-- An employee as the API shows it (the Employee struct), built as JSON by the database so a
-- page of 100 employees with their terminals, absences and groups is one query.
CREATE FUNCTION vats_employee_json(e employees) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'tenant_id', e.tenant_id, 'full_name', e.full_name, 'email', e.email, 'role', e.role,
        'position', e.position, 'extension', e.extension, 'dial_through', e.dial_through,
        'caller_id_number_id', e.caller_id_number_id, 'time_zone', e.time_zone, 'schedule_id', e.schedule_id,
        'calendar_id', e.calendar_id, 'availability', e.availability, 'recording', e.recording,
        'ring_mode', e.ring_mode, 'no_answer_after_s', e.no_answer_after_s,
        'invitation_accepted', e.invitation_accepted_at IS NOT NULL,
        'on_no_answer', (SELECT json_build_object('action', f.action, 'employee_id', f.target_employee_id,
                                'group_id', f.target_group_id, 'external_number', f.external_number)
                         FROM forward_rules f WHERE f.employee_id = e.id AND f.situation = 'no_answer'),
        'off_hours', (SELECT json_build_object('action', f.action, 'employee_id', f.target_employee_id,
                             'group_id', f.target_group_id, 'external_number', f.external_number)
                      FROM forward_rules f WHERE f.employee_id = e.id AND f.situation = 'off_hours'),
        'terminals', coalesce((SELECT json_agg(json_build_object(
                'id', t.id, 'kind', t.kind, 'sip_login', t.sip_login, 'external_number', t.external_number,
                'active', t.active, 'is_primary', t.is_primary, 'schedule_id', t.schedule_id,
                'ring_delay_s', t.ring_delay_s, 'ring_time_s', t.ring_time_s, 'channels', t.channels,
                'position', t.position) ORDER BY t.position, t.kind)
            FROM terminals t WHERE t.employee_id = e.id), '[]'),
        'absences', coalesce((SELECT json_agg(json_build_object(
                'id', a.id, 'kind', a.kind, 'starts_on', a.starts_on, 'ends_on', a.ends_on,
                'forward', json_build_object('action', a.action, 'employee_id', a.target_employee_id,
                                             'group_id', a.target_group_id, 'external_number', a.external_number))
                ORDER BY a.starts_on)
            FROM absences a WHERE a.employee_id = e.id), '[]'),
        'extra_periods', coalesce((SELECT json_agg(json_build_object(
                'id', p.id, 'available', p.available, 'starts_at', p.starts_at, 'ends_at', p.ends_at,
                'note', p.note) ORDER BY p.starts_at)
            FROM extra_periods p WHERE p.employee_id = e.id), '[]'),
        'group_ids', coalesce((SELECT json_agg(m.group_id ORDER BY g.name)
            FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.employee_id = e.id), '[]')
    )
$$;

-- Children are looked up by their employee.
CREATE INDEX terminals_employee ON terminals (employee_id);
CREATE INDEX absences_employee ON absences (employee_id);
CREATE INDEX extra_periods_employee ON extra_periods (employee_id);
CREATE INDEX group_members_employee ON group_members (employee_id);
CREATE INDEX employees_tenant_name ON employees (tenant_id, full_name);

-- One row of the employee list, as the EmployeeListItem struct (field names and order).
CREATE TYPE vats_employee_list_item AS (
    id uuid, full_name text, email text, role text, position text, extension text, availability text,
    dial_through boolean, invitation_accepted boolean, group_ids json, external_numbers json
);

-- A page of the employee list as the API's EmployeePage JSON, in one statement (no explicit
-- transaction): sets the tenant scope for row-level security, filters, sorts, counts. Children
-- are aggregated once for the whole page (set-based), which is ~4x faster than per row.
CREATE FUNCTION vats_employee_page(
    p_tenant uuid, p_only uuid[], p_q text, p_role text, p_group uuid, p_availability text,
    p_sort text, p_limit integer, p_offset integer
) RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    order_by text := CASE p_sort
        WHEN 'full_name' THEN 'e.full_name, e.id'
        WHEN '-full_name' THEN 'e.full_name DESC, e.id'
        WHEN 'extension' THEN 'length(e.extension), e.extension, e.id'
        WHEN '-extension' THEN 'length(e.extension) DESC, e.extension DESC, e.id'
        WHEN 'created_at' THEN 'e.created_at, e.id'
        WHEN '-created_at' THEN 'e.created_at DESC, e.id'
    END;
    pattern text := '%' || replace(replace(replace(coalesce(p_q, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    result json;
BEGIN
    IF order_by IS NULL THEN
        RAISE EXCEPTION 'unknown sort %', p_sort USING ERRCODE = '22023';
    END IF;
    PERFORM set_config('vats.tenant_id', p_tenant::text, true);
    EXECUTE format($q$
        WITH page AS (
            SELECT e.*, row_number() OVER (ORDER BY %1$s) AS ord FROM employees e WHERE %2$s
            ORDER BY %1$s LIMIT $8 OFFSET $9
        ), groups_of AS (
            SELECT m.employee_id, json_agg(m.group_id ORDER BY m.group_id) AS ids
            FROM group_members m JOIN page ON page.id = m.employee_id GROUP BY m.employee_id
        ), externals_of AS (
            SELECT t.employee_id, json_agg(t.external_number ORDER BY t.position) AS numbers
            FROM terminals t JOIN page ON page.id = t.employee_id WHERE t.kind = 'external' GROUP BY t.employee_id
        )
        SELECT json_build_object(
            'items', coalesce(json_agg(ROW(
                page.id, page.full_name, page.email, page.role, page.position, page.extension, page.availability,
                page.dial_through, page.invitation_accepted_at IS NOT NULL,
                coalesce(groups_of.ids, '[]'), coalesce(externals_of.numbers, '[]')
            )::vats_employee_list_item ORDER BY page.ord), '[]'),
            'total', (SELECT count(*) FROM employees e WHERE %2$s), 'limit', $8, 'offset', $9)
        FROM page
        LEFT JOIN groups_of ON groups_of.employee_id = page.id
        LEFT JOIN externals_of ON externals_of.employee_id = page.id
    $q$, order_by, $c$
        e.tenant_id = $1
        AND ($2::uuid[] IS NULL OR e.id = ANY($2))
        AND ($3::text IS NULL OR e.full_name ILIKE $4 OR e.email ILIKE $4 OR e.extension LIKE $4 OR e.position ILIKE $4)
        AND ($5::text IS NULL OR e.role = $5)
        AND ($6::uuid IS NULL OR e.id IN (SELECT employee_id FROM group_members WHERE group_id = $6))
        AND ($7::text IS NULL OR e.availability = $7)
    $c$)
    INTO result
    USING p_tenant, p_only, p_q, pattern, p_role, p_group, p_availability, p_limit, p_offset;
    RETURN result;
END $$;
