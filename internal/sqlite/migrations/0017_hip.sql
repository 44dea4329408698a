-- HIP role (internal/hip): the facilities this node serves as Health
-- Information Provider, their patients, care contexts and records. Records
-- are FHIR document bundles sealed (AES-256-GCM) under the facility's data
-- key, itself sealed under a key derived from the node's master key: the
-- database alone does not show a record. Patients' demographics stay
-- readable: discovery matches on them.
CREATE TABLE hip_facilities (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	data_key BLOB NOT NULL,
	added_at INTEGER NOT NULL
);
CREATE TABLE hip_patients (
	facility_id   TEXT NOT NULL,
	ref           TEXT NOT NULL,
	name          TEXT NOT NULL,
	gender        TEXT NOT NULL,
	birth_date    TEXT NOT NULL DEFAULT '',
	year_of_birth INTEGER NOT NULL DEFAULT 0,
	mobile        TEXT NOT NULL DEFAULT '',
	abha_number   TEXT NOT NULL DEFAULT '',
	abha_address  TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (facility_id, ref)
);
-- Discovery and pushes find a facility's patient by an identifier.
CREATE INDEX hip_patients_abha_number ON hip_patients (facility_id, abha_number) WHERE abha_number <> '';
CREATE INDEX hip_patients_abha_address ON hip_patients (facility_id, abha_address) WHERE abha_address <> '';
CREATE INDEX hip_patients_mobile ON hip_patients (facility_id, mobile) WHERE mobile <> '';
CREATE TABLE hip_care_contexts (
	facility_id TEXT NOT NULL,
	ref         TEXT NOT NULL,
	patient_ref TEXT NOT NULL,
	display     TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (facility_id, ref)
);
CREATE INDEX hip_care_contexts_patient ON hip_care_contexts (facility_id, patient_ref, created_at);
CREATE TABLE hip_records (
	id          TEXT PRIMARY KEY,
	facility_id TEXT NOT NULL,
	context_ref TEXT NOT NULL,
	hi_type     TEXT NOT NULL,
	record_date INTEGER NOT NULL,
	sealed      BLOB NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX hip_records_context ON hip_records (facility_id, context_ref, record_date);
-- Keys a facility's own system pushes records with: SHA-256 of the secret.
CREATE TABLE hip_api_keys (
	id          TEXT PRIMARY KEY,
	facility_id TEXT NOT NULL,
	hash        BLOB NOT NULL,
	name        TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
