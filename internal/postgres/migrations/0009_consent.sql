-- PostgreSQL twin of internal/sqlite/migrations/0009_consent.sql.
-- Consent manager role: consent requests HIUs make (internal/consent). A
-- request is inserted by gateway.MessageStore.Accept in the transaction of
-- the consent-requests/init message that makes it. The columns are what is
-- queried or changes (status, updated_at); body is a JSON object of the
-- rest of the request, which never changes once made (purpose text, names,
-- care contexts, requester, HI types, permission with unix-millisecond
-- times; internal/sqldb/consent.go), so new fields need no migration. It is
-- TEXT, not JSONB: it is only stored and read whole.
-- Timestamps are unix milliseconds UTC. hip_id is NULL when the request
-- names no HIP.
CREATE TABLE consent_requests (
	id           TEXT PRIMARY KEY,
	status       TEXT NOT NULL DEFAULT '',
	patient      TEXT NOT NULL DEFAULT '',
	hiu_id       TEXT NOT NULL DEFAULT '',
	hip_id       TEXT,
	bridge_id    TEXT NOT NULL DEFAULT '',
	purpose_code TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL DEFAULT '{}',
	created_at   BIGINT NOT NULL DEFAULT 0,
	updated_at   BIGINT NOT NULL DEFAULT 0
);
-- The person's list: patient = $1 AND status = $2 ORDER BY created_at, id
-- (id breaks ties for paging).
CREATE INDEX consent_requests_patient ON consent_requests (patient, status, created_at, id);
-- An HIU's requests: hiu_id = $1 ORDER BY created_at, id.
CREATE INDEX consent_requests_hiu ON consent_requests (hiu_id, created_at, id);
