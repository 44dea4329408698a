-- A person's auto-approval policies: consent requests from the HIU that
-- fit an included source are granted without asking them. Sources are
-- JSON (purpose, HI types, HIP, period).
CREATE TABLE consent_auto_policies (
    id         TEXT PRIMARY KEY,
    patient    TEXT NOT NULL,
    hiu_id     TEXT NOT NULL,
    all_hips   INTEGER NOT NULL,
    included   TEXT NOT NULL,
    excluded   TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One policy per person and HIU; consent-requests/init looks them up.
CREATE UNIQUE INDEX consent_auto_policies_hiu ON consent_auto_policies (patient, hiu_id);
