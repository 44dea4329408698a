-- PHR role (internal/phr): the person's own documents, uploaded to their
-- app. Title and content are sealed (AES-256-GCM) under a key derived
-- from the master key and bound to the owner and the row's id; the owner
-- is the person's ABHA number, which every query names.
CREATE TABLE phr_documents (
	id           TEXT PRIMARY KEY,
	owner        TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sealed_title BYTEA NOT NULL,
	sealed       BYTEA NOT NULL,
	created_at   BIGINT NOT NULL
);
CREATE INDEX phr_documents_owner ON phr_documents (owner, created_at);
