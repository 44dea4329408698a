-- What the HIP last said a linked care context holds (links/context/notify):
-- its HI types (comma-separated) and the date of its latest record, so the
-- person's PHR shows each visit with what is in it and which are new.
ALTER TABLE link_index ADD COLUMN hi_types TEXT NOT NULL DEFAULT '';
ALTER TABLE link_index ADD COLUMN data_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE link_index ADD COLUMN noted_at BIGINT NOT NULL DEFAULT 0;
