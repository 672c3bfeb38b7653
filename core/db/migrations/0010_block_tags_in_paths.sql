-- Path labels in call records name a block by its tag ("handling:forward"), no longer by its
-- Python class name ("handling:Forward"), so renaming a class changes no data. Stored records
-- are rewritten by the rule that maps every block's class name to its tag: "Block" dropped,
-- CamelCase to snake_case (Forward -> forward, VoicemailBlock -> voicemail, IvrBlock -> ivr,
-- ExtensionDialingBlock -> extension_dialing). core/engine/state.py legacy_label does the same
-- for calls in flight. Only stage labels (menu:, handling:, insurance:) starting with a capital
-- letter change; branch labels ("default", "filter:VIP:working") stay.
UPDATE call_records
SET record = jsonb_set(record, '{path}', (
    SELECT coalesce(jsonb_agg(
        CASE WHEN label ~ '^(menu|handling|insurance):[A-Z]'
             THEN split_part(label, ':', 1) || ':' || lower(regexp_replace(
                  regexp_replace(split_part(label, ':', 2), 'Block$', ''), '([a-z0-9])([A-Z])', '\1_\2', 'g'))
             ELSE label END
        ORDER BY n), '[]'::jsonb)
    FROM jsonb_array_elements_text(record->'path') WITH ORDINALITY AS p(label, n)
))
WHERE jsonb_typeof(record->'path') = 'array'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(record->'path') AS q(label)
              WHERE label ~ '^(menu|handling|insurance):[A-Z]');
