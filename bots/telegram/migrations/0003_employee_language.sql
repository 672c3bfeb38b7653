-- An employee's own language (employees.language, chosen in the cabinet or PATCH /api/me) is the
-- bot's too: choosing one updates the link at once, so alerts written from now on use it. With
-- no choice (NULL) the link keeps following the Telegram app's language (the dispatcher).
CREATE FUNCTION vats_telegram_follow_language() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.language IS NOT NULL THEN
        UPDATE telegram_links SET language = NEW.language
         WHERE tenant_id = NEW.tenant_id AND employee_id = NEW.id AND language <> NEW.language;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER vats_telegram_employee_language AFTER UPDATE OF language ON employees
    FOR EACH ROW WHEN (NEW.language IS DISTINCT FROM OLD.language)
    EXECUTE FUNCTION vats_telegram_follow_language();
