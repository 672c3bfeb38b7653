-- The operator's own wording of the messages events send (per text and language), over the
-- defaults shipped in plugins/notifications/texts.py. Operator-level: every tenant's messages.
CREATE TABLE notification_texts (
    key        text NOT NULL,                -- low_balance_subject, monthly_body, ...
    language   text NOT NULL CHECK (language IN ('ru', 'en')),
    text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, language)
);
