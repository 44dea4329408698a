-- PHR role (internal/phr): the person's own documents, uploaded to their
-- app. Title and content are sealed (AES-256-GCM) under a key derived
-- from the master key and bound to the owner and the row's id; the owner
-- is the person's ABHA number, which every query names.
CREATE TABLE phr_documents (
	id           TEXT PRIMARY KEY,
	owner        TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sealed_title BLOB NOT NULL,
	sealed       BLOB NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX phr_documents_owner ON phr_documents (owner, created_at);
