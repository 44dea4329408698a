-- A staff account starts with a one-time password the operator hands
-- over: it signs in to nothing until its holder sets their own.
ALTER TABLE hip_staff ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
