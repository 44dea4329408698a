package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SeenInbound reports whether the bridge has sent a message with the
// request ID before. The gateway asks before a message whose handling
// reaches outside the database (an OTP or SMS sent), so that a retry does
// not do it twice.
func (db *DB) SeenInbound(ctx context.Context, bridgeID, requestID string) (bool, error) {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM gateway_inbox WHERE bridge_id = $1 AND request_id = $2", bridgeID, requestID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("sqldb: seen inbound: %w", err)
	}
	return true, nil
}
