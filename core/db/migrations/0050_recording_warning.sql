-- A number may warn its callers that the call is recorded (the tenant's default warning media).
ALTER TABLE numbers ADD COLUMN recording_warning boolean NOT NULL DEFAULT false;
