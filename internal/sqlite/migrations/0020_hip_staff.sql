-- EMR staff (internal/hip staff.go): professionals of the registry who
-- work at a facility this node serves, with their password (argon2id).
CREATE TABLE hip_staff (
	facility_id   TEXT NOT NULL,
	hpr_id        TEXT NOT NULL,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	PRIMARY KEY (facility_id, hpr_id)
);
