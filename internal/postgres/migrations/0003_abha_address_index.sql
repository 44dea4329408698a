-- Profile reads load an account's addresses oldest first: an index on
-- (number, created_at, address) answers that from the index alone, sorted,
-- without visiting the table.
DROP INDEX abha_addresses_number;
CREATE INDEX abha_addresses_number_created ON abha_addresses (number, created_at, address);
