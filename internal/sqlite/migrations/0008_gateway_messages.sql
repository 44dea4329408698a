-- Gateway role: durable messaging (internal/gateway/messages.go). The inbox
-- de-duplicates what bridges send; the outbox holds what the gateway owes
-- them, with leases, retries and dead letters. Timestamps are unix
-- milliseconds UTC; headers is a JSON object in a TEXT column. Neither
-- table references gateway_bridges: they are logs, written on the hot
-- path, and a foreign key would add a lookup to every insert.

-- One row per (bridge, request ID) accepted. Rows are only needed while a
-- bridge may still retry, so rows older than some days may be deleted by a
-- janitor (not yet written; it would add an index on received_at). WITHOUT
-- ROWID: the primary key is the table, one b-tree write per insert.
CREATE TABLE gateway_inbox (
	bridge_id   TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT '',
	version     TEXT NOT NULL DEFAULT '',
	received_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (bridge_id, request_id)
) WITHOUT ROWID;

-- id is the rowid: ascending in insertion order. Not AUTOINCREMENT, which
-- costs every commit a write of sqlite_sequence (about a tenth of Accept's
-- time); so SQLite reuses an ID only after the row with the highest ID is
-- deleted, and a janitor pruning delivered rows must keep the newest row.
CREATE TABLE gateway_outbox (
	id           INTEGER PRIMARY KEY,
	request_id   TEXT NOT NULL DEFAULT '',
	bridge_id    TEXT NOT NULL DEFAULT '',
	kind         TEXT NOT NULL DEFAULT '',
	target_id    TEXT NOT NULL DEFAULT '',
	body         BLOB NOT NULL DEFAULT x'',
	headers      TEXT NOT NULL DEFAULT '{}',
	url          TEXT NOT NULL DEFAULT '',
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL DEFAULT 'PENDING',
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL DEFAULT 0,
	delivered_at INTEGER NOT NULL DEFAULT 0
);
-- ClaimDue: status = 'PENDING' AND next_at <= now ORDER BY next_at, id.
CREATE INDEX gateway_outbox_due ON gateway_outbox (status, next_at, id);
-- OutboundByStatus: status = ? AND id < ? ORDER BY id DESC; OutboundCounts.
CREATE INDEX gateway_outbox_status ON gateway_outbox (status, id);
