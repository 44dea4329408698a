-- Tokens carry the account's token version; bumping it (logout, password or
-- mobile change, deactivation, deletion) revokes every token issued before.
ALTER TABLE abha_accounts ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
