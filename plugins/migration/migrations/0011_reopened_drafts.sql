-- «Пересоздать» (seed 000) sends a created PBX's draft back to the employee step: `reopened`
-- drafts keep their tenant (its numbers go on following the old rules, its SIP lines keep
-- registering) and «Создать ЛК ВАТС» fills that tenant again instead of creating one.
ALTER TABLE migration_drafts ADD COLUMN reopened boolean NOT NULL DEFAULT false;
