-- Registry role: health facilities (HFR), professionals (HPR), drugs,
-- their verification history and the verifiers. Timestamps are unix
-- milliseconds UTC; list fields are JSON arrays in TEXT columns (nothing
-- queries inside them: search runs on an in-memory index).
--
-- seq is an entry's position in its change feed: every write gives the row
-- a new seq, taken from registry_seq in the writing transaction, so seq
-- order is commit order (see internal/sqldb/registry.go). seq is the
-- primary key, so the feed's `seq > ? ORDER BY seq` is a range scan of it
-- (on SQLite seq is the rowid: a scan of the table itself, in order); id is
-- a unique key beside it.

-- One counter per change feed: the last seq given out.
CREATE TABLE registry_seq (
	name TEXT PRIMARY KEY,
	v    INTEGER NOT NULL
);
INSERT INTO registry_seq (name, v) VALUES ('facilities', 0), ('professionals', 0), ('drugs', 0);

CREATE TABLE registry_facilities (
	seq                INTEGER PRIMARY KEY,
	id                 TEXT NOT NULL UNIQUE,
	name               TEXT NOT NULL DEFAULT '',
	type               TEXT NOT NULL DEFAULT '',
	ownership          TEXT NOT NULL DEFAULT '',
	ownership_sub_type TEXT NOT NULL DEFAULT '',
	systems            TEXT NOT NULL DEFAULT '[]',
	address_line       TEXT NOT NULL DEFAULT '',
	city               TEXT NOT NULL DEFAULT '',
	state_code         TEXT NOT NULL DEFAULT '',
	district_code      TEXT NOT NULL DEFAULT '',
	pin                TEXT NOT NULL DEFAULT '',
	lat                REAL NOT NULL DEFAULT 0,
	lon                REAL NOT NULL DEFAULT 0,
	phone              TEXT NOT NULL DEFAULT '',
	email              TEXT NOT NULL DEFAULT '',
	website            TEXT NOT NULL DEFAULT '',
	specialities       TEXT NOT NULL DEFAULT '[]',
	services           TEXT NOT NULL DEFAULT '[]',
	beds               INTEGER NOT NULL DEFAULT 0,
	timings            TEXT NOT NULL DEFAULT '',
	abdm_enabled       INTEGER NOT NULL DEFAULT 0,
	abdm_roles         TEXT NOT NULL DEFAULT '[]',
	drug_licence       TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL DEFAULT '',
	reason             TEXT NOT NULL DEFAULT '',
	version            INTEGER NOT NULL DEFAULT 0,
	submitted_at       INTEGER NOT NULL DEFAULT 0,
	updated_at         INTEGER NOT NULL DEFAULT 0
);
-- Verification queues: one state's, and every state's (the operator's).
CREATE INDEX registry_facilities_queue ON registry_facilities (status, state_code, submitted_at, id);
CREATE INDEX registry_facilities_queue_all ON registry_facilities (status, submitted_at, id);

CREATE TABLE registry_professionals (
	seq                 INTEGER PRIMARY KEY,
	id                  TEXT NOT NULL UNIQUE,
	handle              TEXT UNIQUE,
	name                TEXT NOT NULL DEFAULT '',
	gender              TEXT NOT NULL DEFAULT '',
	category            TEXT NOT NULL DEFAULT '',
	medicine_system     TEXT NOT NULL DEFAULT '',
	council             TEXT NOT NULL DEFAULT '',
	registration_number TEXT NOT NULL DEFAULT '',
	qualifications      TEXT NOT NULL DEFAULT '[]',
	specialities        TEXT NOT NULL DEFAULT '[]',
	languages           TEXT NOT NULL DEFAULT '[]',
	facilities          TEXT NOT NULL DEFAULT '[]',
	address_line        TEXT NOT NULL DEFAULT '',
	city                TEXT NOT NULL DEFAULT '',
	state_code          TEXT NOT NULL DEFAULT '',
	district_code       TEXT NOT NULL DEFAULT '',
	pin                 TEXT NOT NULL DEFAULT '',
	lat                 REAL NOT NULL DEFAULT 0,
	lon                 REAL NOT NULL DEFAULT 0,
	phone               TEXT NOT NULL DEFAULT '',
	email               TEXT NOT NULL DEFAULT '',
	status              TEXT NOT NULL DEFAULT '',
	reason              TEXT NOT NULL DEFAULT '',
	version             INTEGER NOT NULL DEFAULT 0,
	submitted_at        INTEGER NOT NULL DEFAULT 0,
	updated_at          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX registry_professionals_queue ON registry_professionals (status, state_code, submitted_at, id);
CREATE INDEX registry_professionals_queue_all ON registry_professionals (status, submitted_at, id);

CREATE TABLE registry_drugs (
	seq          INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	generic      TEXT NOT NULL DEFAULT '',
	brands       TEXT NOT NULL DEFAULT '[]',
	form         TEXT NOT NULL DEFAULT '',
	strength     TEXT NOT NULL DEFAULT '',
	route        TEXT NOT NULL DEFAULT '',
	schedule     TEXT NOT NULL DEFAULT '',
	manufacturer TEXT NOT NULL DEFAULT '',
	atc          TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL DEFAULT 0
);

-- An entry's history; n keeps the order of events in one millisecond.
CREATE TABLE registry_history (
	n      INTEGER PRIMARY KEY,
	kind   TEXT NOT NULL,
	id     TEXT NOT NULL,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX registry_history_entry ON registry_history (kind, id, at, n);

CREATE TABLE registry_verifiers (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL DEFAULT '',
	state_code TEXT NOT NULL DEFAULT '',
	key_hash   TEXT NOT NULL DEFAULT '',
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL DEFAULT 0
);
