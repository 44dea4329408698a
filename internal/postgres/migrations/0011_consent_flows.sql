-- Health-information requests (data-flow sessions) under consent
-- artefacts: references and statuses only, never records.
CREATE TABLE consent_flows (
    transaction_id TEXT PRIMARY KEY,
    artefact_id    TEXT NOT NULL,
    hip_id         TEXT NOT NULL,
    hiu_id         TEXT NOT NULL,
    bridge_id      TEXT NOT NULL,
    date_from      BIGINT NOT NULL,
    date_to        BIGINT NOT NULL,
    status         TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
-- The frequency check counts an artefact's recent requests.
CREATE INDEX consent_flows_artefact ON consent_flows (artefact_id, requested_at);
CREATE INDEX consent_flows_status ON consent_flows (status, updated_at);
