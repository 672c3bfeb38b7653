-- Languages: the PBX's (what its people see when nothing else says: e-mails, the bot, a browser
-- in a language vats does not speak) and each employee's own choice (NULL: the browser's).
ALTER TABLE tenants ADD COLUMN language text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en'));
ALTER TABLE employees ADD COLUMN language text CHECK (language IN ('ru', 'en'));
