package sqldb

import (
	"context"
	"fmt"
)

// NextHIPToken returns the facility's next queue token of the day,
// starting at 1; concurrent callers get different tokens.
func (db *DB) NextHIPToken(ctx context.Context, facilityID, day string) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, "INSERT INTO hip_tokens (facility_id, day, last) VALUES ($1, $2, 1)"+
		" ON CONFLICT (facility_id, day) DO UPDATE SET last = hip_tokens.last + 1 RETURNING last", facilityID, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqldb: next hip token: %w", err)
	}
	return n, nil
}
