-- Which HIUs any person has an enabled auto-approval policy for: a new
-- consent request looks for the person's policies only if its HIU has
-- some (most HIUs never do), and the gateway asks this once a second per
-- HIU, not once per request.
CREATE INDEX consent_auto_policies_enabled_hiu ON consent_auto_policies (hiu_id) WHERE enabled = 1;
