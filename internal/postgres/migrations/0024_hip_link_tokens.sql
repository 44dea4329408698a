-- HIP role (internal/hip): v3 link tokens. generate-token gives the HIP a
-- link token for a person (valid up to six months), which
-- /hip/v3/link/carecontext carries in X-LINK-TOKEN; the HIP keeps it per
-- facility and ABHA address, sealed (AES-256-GCM, bound to the row) under
-- a key derived from the master key, so later visits of the person are
-- linked without another demographic check.
CREATE TABLE hip_link_tokens (
	facility_id  TEXT NOT NULL,
	abha_address TEXT NOT NULL,
	sealed       BYTEA NOT NULL,
	expires_at   BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (facility_id, abha_address)
);
