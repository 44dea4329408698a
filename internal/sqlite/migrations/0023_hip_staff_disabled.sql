-- The operator can disable a staff account (someone who left): when, in
-- unix milliseconds, or 0 while it is active. Its tokens and page
-- sessions stop working at once on every node.
ALTER TABLE hip_staff ADD COLUMN disabled_at INTEGER NOT NULL DEFAULT 0;
