-- The person's discovery and linking exchanges with HIPs: the message the
-- consent manager sent (by its requestId, which the HIP's callback
-- answers) and the HIP's answer. They hold HIP references and display
-- names, never clinical content, and are swept after a day.
CREATE TABLE link_txns (
    request_id     TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    patient        TEXT NOT NULL,
    hip_id         TEXT NOT NULL,
    bridge_id      TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    link_ref       TEXT NOT NULL,
    status         TEXT NOT NULL,
    asked          BYTEA,
    result         BYTEA,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
-- Linking looks up the person's discovery by transactionId and their link
-- request by the HIP's linkRefNumber.
CREATE INDEX link_txns_patient ON link_txns (patient, kind, transaction_id, created_at);
CREATE INDEX link_txns_ref ON link_txns (patient, kind, link_ref, created_at);

-- The link index: which care contexts of which person (ABHA address) live
-- at which HIP, under the HIP's own references.
CREATE TABLE link_index (
    patient              TEXT NOT NULL,
    hip_id               TEXT NOT NULL,
    patient_ref          TEXT NOT NULL,
    patient_display      TEXT NOT NULL,
    care_context_ref     TEXT NOT NULL,
    care_context_display TEXT NOT NULL,
    linked_at            BIGINT NOT NULL,
    PRIMARY KEY (patient, hip_id, care_context_ref)
);
CREATE INDEX link_index_hip ON link_index (hip_id, patient_ref);
