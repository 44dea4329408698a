-- HIU role (internal/hiu): the facilities this node serves as HIU, its
-- bridge at the gateway, durable jobs, and what the clinicians asked for
-- and received.
CREATE TABLE hiu_facilities (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	data_key BYTEA NOT NULL,
	added_at BIGINT NOT NULL
);
CREATE TABLE hiu_bridge (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL,
	secret      BYTEA NOT NULL,
	gateway_url TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE TABLE hiu_jobs (
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
CREATE INDEX hiu_jobs_due ON hiu_jobs (next_at) WHERE status = 'PENDING';
-- hiu_consent_requests: id is this node's (the requestId of
-- consent-requests/init), cm_id the consent manager's.
CREATE TABLE hiu_consent_requests (
	id           TEXT PRIMARY KEY,
	cm_id        TEXT NOT NULL DEFAULT '',
	facility_id  TEXT NOT NULL,
	patient      TEXT NOT NULL,
	hip_id       TEXT NOT NULL DEFAULT '',
	purpose      TEXT NOT NULL,
	hi_types     TEXT NOT NULL,
	date_from    BIGINT NOT NULL,
	date_to      BIGINT NOT NULL,
	erase_at     BIGINT NOT NULL,
	requester    TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	error        TEXT NOT NULL DEFAULT '',
	artefact_ids TEXT NOT NULL DEFAULT '[]',
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX hiu_consent_requests_cm ON hiu_consent_requests (cm_id) WHERE cm_id <> '';
CREATE INDEX hiu_consent_requests_facility ON hiu_consent_requests (facility_id, created_at);
-- hiu_artefacts: copies of the consent artefacts granted, until their
-- dataEraseAt (erase_at 0 while being fetched).
CREATE TABLE hiu_artefacts (
	id                 TEXT PRIMARY KEY,
	consent_request_id TEXT NOT NULL,
	facility_id        TEXT NOT NULL,
	status             TEXT NOT NULL,
	patient            TEXT NOT NULL DEFAULT '',
	hip_id             TEXT NOT NULL DEFAULT '',
	hip_name           TEXT NOT NULL DEFAULT '',
	hi_types           TEXT NOT NULL DEFAULT '[]',
	contexts           TEXT NOT NULL DEFAULT '[]',
	date_from          BIGINT NOT NULL DEFAULT 0,
	date_to            BIGINT NOT NULL DEFAULT 0,
	erase_at           BIGINT NOT NULL DEFAULT 0,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX hiu_artefacts_facility ON hiu_artefacts (facility_id, consent_request_id);
-- hiu_transfers: health-information requests, with the Fidelius private
-- key (sealed) kept only while pages may come.
CREATE TABLE hiu_transfers (
	id             TEXT PRIMARY KEY,
	transaction_id TEXT NOT NULL DEFAULT '',
	consent_id     TEXT NOT NULL,
	facility_id    TEXT NOT NULL,
	hip_id         TEXT NOT NULL DEFAULT '',
	date_from      BIGINT NOT NULL,
	date_to        BIGINT NOT NULL,
	private_key    BYTEA NOT NULL,
	nonce          TEXT NOT NULL,
	key_expires_at BIGINT NOT NULL,
	status         TEXT NOT NULL,
	error          TEXT NOT NULL DEFAULT '',
	page_count     BIGINT NOT NULL DEFAULT 0,
	pages          TEXT NOT NULL DEFAULT '[]',
	results        TEXT NOT NULL DEFAULT '{}',
	records        BIGINT NOT NULL DEFAULT 0,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL
);
CREATE INDEX hiu_transfers_tx ON hiu_transfers (transaction_id) WHERE transaction_id <> '';
CREATE INDEX hiu_transfers_consent ON hiu_transfers (consent_id);
-- hiu_records: the FHIR bundles received, sealed under the facility's
-- data key, until erase_at.
CREATE TABLE hiu_records (
	id             TEXT PRIMARY KEY,
	facility_id    TEXT NOT NULL,
	consent_id     TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	patient        TEXT NOT NULL,
	hip_id         TEXT NOT NULL,
	hip_name       TEXT NOT NULL DEFAULT '',
	context_ref    TEXT NOT NULL,
	hi_type        TEXT NOT NULL,
	title          TEXT NOT NULL DEFAULT '',
	record_date    BIGINT NOT NULL,
	sha256         TEXT NOT NULL,
	sealed         BYTEA NOT NULL,
	erase_at       BIGINT NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE INDEX hiu_records_patient ON hiu_records (facility_id, patient);
CREATE INDEX hiu_records_consent ON hiu_records (consent_id);
CREATE INDEX hiu_records_erase ON hiu_records (erase_at);
-- hiu_finds: patients/find and its answer, kept a week.
CREATE TABLE hiu_finds (
	id           TEXT PRIMARY KEY,
	facility_id  TEXT NOT NULL,
	query        TEXT NOT NULL,
	status       TEXT NOT NULL,
	patient_id   TEXT NOT NULL DEFAULT '',
	patient_name TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL
);
-- hiu_staff: clinicians of the facilities (HPR professionals working
-- there), with their password (argon2id).
CREATE TABLE hiu_staff (
	facility_id   TEXT NOT NULL,
	hpr_id        TEXT NOT NULL,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	must_change   BIGINT NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	disabled_at   BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (facility_id, hpr_id)
);
