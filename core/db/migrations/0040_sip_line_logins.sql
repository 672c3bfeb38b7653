-- SIP log-ins chosen by people (an imported customer keeps its phones' log-ins), not only the
-- generated '005' + seven digits: unique across all tenants whatever their case, because
-- phones and PJSIP endpoint names must never be ambiguous. The plain UNIQUE (sip_login) stays
-- for the exact lookups of call events.
CREATE UNIQUE INDEX terminals_sip_login_ci ON terminals (lower(sip_login)) WHERE sip_login IS NOT NULL;

-- Whether a log-in is taken by any tenant. A tenant's transaction sees only its own lines, but
-- a new log-in must be free everywhere: the function runs with the system scope for its own
-- duration only (the SET clause is undone when it returns) and answers no more than yes or no.
CREATE FUNCTION vats_sip_login_taken(login text) RETURNS boolean
    LANGUAGE sql STABLE SET vats.system = 'on'
    AS $$ SELECT EXISTS (SELECT 1 FROM terminals WHERE lower(sip_login) = lower(login)) $$;
