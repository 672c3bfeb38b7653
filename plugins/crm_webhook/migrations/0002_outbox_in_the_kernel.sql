-- CRM events now go through the kernel's one outbox (core 0011, channel 'crm_webhook'): every
-- row moves there (the deliveries page shows the last 100, delivered or not), with its state.
INSERT INTO outbox (tenant_id, channel, kind, payload, created_at, next_attempt_at, attempts, sent_at, failed_at,
                    last_status, last_error)
SELECT tenant_id, 'crm_webhook', kind, payload, created_at, next_at, attempts, delivered_at, given_up_at,
       last_status, last_error
FROM crm_webhook_outbox ORDER BY id;

DROP TABLE crm_webhook_outbox;
