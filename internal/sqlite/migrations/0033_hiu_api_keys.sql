-- Keys a system acts for an HIU facility with (the PHR's own HIU, from
-- another node): SHA-256 of the secret, as hip_api_keys.
CREATE TABLE hiu_api_keys (
	id          TEXT PRIMARY KEY,
	facility_id TEXT NOT NULL,
	hash        BLOB NOT NULL,
	name        TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
