-- HIP role (internal/hip): the HIP side of the ABDM protocol.
--
-- hip_bridge: the node's own bridge at the gateway, its client secret
-- sealed under a key derived from the master key.
CREATE TABLE hip_bridge (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL,
	secret      BYTEA NOT NULL,
	gateway_url TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
-- hip_jobs: durable work. An inbound callback (keyed by its requestId, so
-- a redelivery is a no-op) is written before its 202; its answer, a data
-- transfer or a link of a new visit is a job too, done by a worker with
-- retries and backoff.
CREATE TABLE hip_jobs (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	facility_id TEXT NOT NULL,
	path        TEXT NOT NULL,
	body        BYTEA NOT NULL,
	status      TEXT NOT NULL,
	attempts    BIGINT NOT NULL DEFAULT 0,
	next_at     BIGINT NOT NULL,
	lease_until BIGINT NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	done_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hip_jobs_due ON hip_jobs (next_at) WHERE status = 'PENDING';
-- hip_discoveries: what a discovery matched, for the link/init that follows.
CREATE TABLE hip_discoveries (
	transaction_id TEXT PRIMARY KEY,
	facility_id    TEXT NOT NULL,
	abha_address   TEXT NOT NULL,
	patient_ref    TEXT NOT NULL,
	contexts       TEXT NOT NULL,
	mobile         TEXT NOT NULL DEFAULT '',
	created_at     BIGINT NOT NULL
);
-- hip_link_requests: a link waiting for the person's OTP (an HMAC of it).
CREATE TABLE hip_link_requests (
	ref            TEXT PRIMARY KEY,
	facility_id    TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	abha_address   TEXT NOT NULL,
	patient_ref    TEXT NOT NULL,
	contexts       TEXT NOT NULL,
	otp_hash       BYTEA NOT NULL,
	expires_at     BIGINT NOT NULL,
	tries          BIGINT NOT NULL,
	version        BIGINT NOT NULL,
	created_at     BIGINT NOT NULL
);
-- hip_links: which care contexts are linked to which ABHA address.
CREATE TABLE hip_links (
	facility_id  TEXT NOT NULL,
	context_ref  TEXT NOT NULL,
	abha_address TEXT NOT NULL,
	patient_ref  TEXT NOT NULL,
	by_hip       BIGINT NOT NULL DEFAULT 0,
	linked_at    BIGINT NOT NULL,
	PRIMARY KEY (facility_id, context_ref, abha_address)
);
-- hip_consents: the HIP's copy of each consent artefact it was sent; a
-- revoked or expired one keeps only its ID and status (a tombstone).
CREATE TABLE hip_consents (
	id           TEXT PRIMARY KEY,
	facility_id  TEXT NOT NULL,
	status       TEXT NOT NULL,
	abha_address TEXT NOT NULL,
	hiu_id       TEXT NOT NULL,
	contexts     TEXT NOT NULL,
	hi_types     TEXT NOT NULL,
	date_from    BIGINT NOT NULL,
	date_to      BIGINT NOT NULL,
	erase_at     BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
-- hip_link_auths: the steps of HIP-initiated linking of a new care
-- context (users/auth/init, confirm, links/link/add-contexts,
-- links/context/notify), by the requestId of the message each sent, so
-- that its answer finds the care context.
CREATE TABLE hip_link_auths (
	request_id   TEXT PRIMARY KEY,
	step         TEXT NOT NULL,
	facility_id  TEXT NOT NULL,
	context_ref  TEXT NOT NULL,
	abha_address TEXT NOT NULL,
	status       TEXT NOT NULL,
	created_at   BIGINT NOT NULL
);
CREATE INDEX hip_link_auths_context ON hip_link_auths (facility_id, context_ref);
