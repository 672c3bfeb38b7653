-- The caller ID chosen in the employee card had no effect: outbound calls read only the
-- caller-ID rules. One source of truth now: the card edits the employee's own rule without a
-- prefix (scope 'employee'); a prefix rule of the same employee is more specific and wins.
-- Where an employee already had such a rule, it stays (it is what their calls showed).
INSERT INTO outbound_caller_ids (tenant_id, scope, scope_id, prefix, number_id)
SELECT tenant_id, 'employee', id, '', caller_id_number_id FROM employees WHERE caller_id_number_id IS NOT NULL
ON CONFLICT (tenant_id, scope, scope_id, prefix) DO NOTHING;

ALTER TABLE employees DROP COLUMN caller_id_number_id;

-- The employee as the API shows it reads its caller ID from that rule.
CREATE OR REPLACE FUNCTION vats_employee_json(e employees) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'tenant_id', e.tenant_id, 'full_name', e.full_name, 'email', e.email, 'role', e.role,
        'position', e.position, 'extension', e.extension, 'dial_through', e.dial_through,
        'caller_id_number_id', (SELECT r.number_id FROM outbound_caller_ids r WHERE r.tenant_id = e.tenant_id
                                AND r.scope = 'employee' AND r.scope_id = e.id AND r.prefix = ''),
        'time_zone', e.time_zone, 'schedule_id', e.schedule_id,
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
