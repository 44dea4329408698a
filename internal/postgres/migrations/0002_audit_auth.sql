-- PostgreSQL twin of internal/sqlite/migrations/0002_audit_auth.sql.
-- Audit log (hash chain; audit_head holds the last seq and hash) and the
-- node's sealed keys.
CREATE TABLE audit_events (
	seq       BIGINT PRIMARY KEY,
	at        BIGINT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	subject   TEXT NOT NULL,
	outcome   TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash BYTEA NOT NULL,
	hash      BYTEA NOT NULL
);

CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ''::bytea);

CREATE TABLE auth_keys (
	id         TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	alg        TEXT NOT NULL,
	sealed     BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	retired_at BIGINT NOT NULL DEFAULT 0
);
