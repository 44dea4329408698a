-- PostgreSQL twin of internal/sqlite/migrations/0007_gateway.sql.
-- Gateway role: the bridges that HIPs and HIUs run (client credentials and
-- callback URL) and the services each registers. Timestamps are unix
-- milliseconds UTC; types is a JSON array in a TEXT column, like the
-- registry's list fields.

CREATE TABLE gateway_bridges (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL DEFAULT '',
	url         TEXT NOT NULL DEFAULT '',
	version     TEXT NOT NULL DEFAULT '',
	secret_hash TEXT NOT NULL DEFAULT '',
	active      BOOLEAN NOT NULL DEFAULT false,
	created_at  BIGINT NOT NULL DEFAULT 0,
	updated_at  BIGINT NOT NULL DEFAULT 0
);

-- A service (a facility's ID) belongs to one bridge at a time: id is the
-- primary key, and PutServices' upsert only updates a row that is already
-- the bridge's (internal/sqldb/gateway.go), so two bridges racing for one
-- ID cannot both win.
CREATE TABLE gateway_services (
	id         TEXT PRIMARY KEY,
	bridge_id  TEXT NOT NULL REFERENCES gateway_bridges (id),
	name       TEXT NOT NULL DEFAULT '',
	types      TEXT NOT NULL DEFAULT '[]',
	active     BOOLEAN NOT NULL DEFAULT false,
	updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX gateway_services_bridge ON gateway_services (bridge_id, id);
