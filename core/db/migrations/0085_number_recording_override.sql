-- A number's recording says "default" (as the PBX says), "on" or "off", like an employee's: a
-- boolean could not say "off" over a tenant default "on". An old true is "on"; an old false
-- meant "as the PBX says" (it never switched recording off).
ALTER TABLE numbers ALTER COLUMN recording DROP DEFAULT;
ALTER TABLE numbers ALTER COLUMN recording TYPE text USING CASE WHEN recording THEN 'on' ELSE 'default' END;
ALTER TABLE numbers ALTER COLUMN recording SET DEFAULT 'default';
ALTER TABLE numbers ADD CONSTRAINT numbers_recording_check CHECK (recording IN ('default', 'on', 'off'));
