-- Telegram recipients: an employee who linked the bot (address: the employee's id), confirmed
-- by the bot reaching them when they are added.
ALTER TABLE notification_recipients DROP CONSTRAINT notification_recipients_kind_check;
ALTER TABLE notification_recipients ADD CONSTRAINT notification_recipients_kind_check
    CHECK (kind IN ('email', 'sms', 'telegram'));
