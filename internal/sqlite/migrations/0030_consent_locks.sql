-- A person's lock against new consent requests (the PHR's "lock my
-- ABHA"): while a row is here, consent-requests/init for them is refused.
CREATE TABLE consent_locks (
    patient   TEXT PRIMARY KEY,
    locked_at BIGINT NOT NULL
);
