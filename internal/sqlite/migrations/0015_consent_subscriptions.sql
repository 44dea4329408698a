-- Subscriptions (subscription-requests/cm/init): an HIU asks to be told
-- when the person's care contexts are linked or have new data. One row
-- per request; granting it sets subscription_id and what the person
-- granted (grants: JSON of all-HIPs, sources, excluded HIPs). The request
-- itself (purpose, HIU name, HIPs, categories, period) is JSON too: it is
-- read whole, never queried by.
CREATE TABLE consent_subscriptions (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    status          TEXT NOT NULL,
    patient         TEXT NOT NULL,
    hiu_id          TEXT NOT NULL,
    bridge_id       TEXT NOT NULL,
    request         TEXT NOT NULL,
    grants          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    granted_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- The person's list, newest first.
CREATE INDEX consent_subscriptions_patient ON consent_subscriptions (patient, created_at);
-- Every link and new-data notice looks up the person's live grants.
CREATE INDEX consent_subscriptions_live ON consent_subscriptions (patient, status, expires_at);
-- A granted subscription is found by its own ID too; '' until granted.
CREATE UNIQUE INDEX consent_subscriptions_sid ON consent_subscriptions (subscription_id) WHERE subscription_id <> '';
