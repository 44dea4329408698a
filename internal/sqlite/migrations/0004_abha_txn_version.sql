-- A version per flow, bumped on every write, so that OTP checks can update
-- a flow only if nobody else did in between (several nodes may serve one
-- flow: attempts must not be lost, an OTP must not be accepted twice).
ALTER TABLE abha_txns ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
