-- Consent artefacts: one per HIP of a granted consent request. detail is
-- the consentDetail exactly as signed (canonical JSON); signature the JWS
-- over it. Indexes serve the request's artefacts (on-status, the HIU's
-- notice), the person's list, and the expiry scheduler (status, erase_at).
CREATE TABLE consent_artefacts (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    patient     TEXT NOT NULL,
    hip_id      TEXT NOT NULL,
    hiu_id      TEXT NOT NULL,
    bridge_id   TEXT NOT NULL,
    erase_at    BIGINT NOT NULL,
    detail      TEXT NOT NULL,
    signature   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX consent_artefacts_request ON consent_artefacts (request_id, id);
CREATE INDEX consent_artefacts_patient ON consent_artefacts (patient, status, created_at);
CREATE INDEX consent_artefacts_expiry ON consent_artefacts (status, erase_at);
