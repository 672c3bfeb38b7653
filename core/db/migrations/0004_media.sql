-- The media library: uploaded recordings (stored as 8 kHz WAV files under VATS_MEDIA_DIR) and
-- media, named chains of recordings and pauses that scenario blocks play.
CREATE TABLE media_files (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    duration_ms integer NOT NULL CHECK (duration_ms > 0),
    size_bytes  integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE media (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    items       jsonb NOT NULL,
    duration_ms integer NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, name)
);

SELECT vats_enable_tenant_rls(t) FROM unnest(ARRAY['media_files', 'media']::regclass[]) AS t;
