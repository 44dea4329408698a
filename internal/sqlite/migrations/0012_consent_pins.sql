-- A person's consent PIN (argon2id), asked before approving or revoking
-- consents; failures lock it for a while.
CREATE TABLE consent_pins (
    patient      TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
