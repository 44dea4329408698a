-- Audit log (hash chain; audit_head holds the last seq and hash) and the
-- node's sealed keys.
CREATE TABLE audit_events (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	subject   TEXT NOT NULL,
	outcome   TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash BLOB NOT NULL,
	hash      BLOB NOT NULL
);

CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, x'');

CREATE TABLE auth_keys (
	id         TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	alg        TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	retired_at INTEGER NOT NULL DEFAULT 0
);
