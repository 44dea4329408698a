-- Scan and share: the queue tokens a facility's desk hands out, one
-- counter per facility and day (YYYY-MM-DD in India's time).
CREATE TABLE hip_tokens (
	facility_id TEXT NOT NULL,
	day         TEXT NOT NULL,
	last        INTEGER NOT NULL,
	PRIMARY KEY (facility_id, day)
);
