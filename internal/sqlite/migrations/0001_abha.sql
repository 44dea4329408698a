-- ABHA role: accounts, addresses, enrolment/login flows, OTP send log and
-- duplicate reviews. Timestamps are unix milliseconds UTC.
CREATE TABLE abha_accounts (
	number        TEXT PRIMARY KEY,
	first_name    TEXT NOT NULL DEFAULT '',
	middle_name   TEXT NOT NULL DEFAULT '',
	last_name     TEXT NOT NULL DEFAULT '',
	gender        TEXT NOT NULL DEFAULT '',
	birth_date    TEXT NOT NULL DEFAULT '',
	mobile        TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	address_line  TEXT NOT NULL DEFAULT '',
	state_code    TEXT NOT NULL DEFAULT '',
	district_code TEXT NOT NULL DEFAULT '',
	pin_code      TEXT NOT NULL DEFAULT '',
	aadhaar_key   TEXT,
	document_key  TEXT,
	kyc_verified  INTEGER NOT NULL DEFAULT 0,
	type          TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	name_key      TEXT NOT NULL DEFAULT '',
	preferred     TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
-- Partial: most accounts have one of the two keys, and NULLs need no entry.
CREATE UNIQUE INDEX abha_accounts_aadhaar_key ON abha_accounts (aadhaar_key) WHERE aadhaar_key IS NOT NULL;
CREATE UNIQUE INDEX abha_accounts_document_key ON abha_accounts (document_key) WHERE document_key IS NOT NULL;
CREATE INDEX abha_accounts_mobile ON abha_accounts (mobile) WHERE mobile <> '';
CREATE INDEX abha_accounts_birth_gender ON abha_accounts (birth_date, gender);

CREATE TABLE abha_addresses (
	address    TEXT PRIMARY KEY,
	number     TEXT NOT NULL REFERENCES abha_accounts (number),
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX abha_addresses_number ON abha_addresses (number);

CREATE TABLE abha_txns (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX abha_txns_expires ON abha_txns (expires_at);

CREATE TABLE abha_otp_sends (
	key TEXT NOT NULL,
	at  INTEGER NOT NULL
);
CREATE INDEX abha_otp_sends_key_at ON abha_otp_sends (key, at);
CREATE INDEX abha_otp_sends_at ON abha_otp_sends (at);

CREATE TABLE abha_reviews (
	id         TEXT PRIMARY KEY,
	status     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	decided_at INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL
);
CREATE INDEX abha_reviews_status ON abha_reviews (status, created_at);
