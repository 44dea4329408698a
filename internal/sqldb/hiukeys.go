package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hiu"
)

// The HIU's facility API keys (migration 0033).

var errHIUKeyNotFound = arogya.Errorf(arogya.ENOTFOUND, "No such API key.")

// AddHIUAPIKey stores k.
func (db *DB) AddHIUAPIKey(ctx context.Context, k *hiu.APIKey) error {
	_, err := db.write.ExecContext(ctx, "INSERT INTO hiu_api_keys (id, facility_id, hash, name, created_at) VALUES ($1, $2, $3, $4, $5)",
		k.ID, k.FacilityID, k.Hash, k.Name, millis(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqldb: add hiu api key: %w", err)
	}
	return nil
}

// HIUAPIKey returns the key with the ID; ENOTFOUND if absent.
func (db *DB) HIUAPIKey(ctx context.Context, id string) (*hiu.APIKey, error) {
	var k hiu.APIKey
	var at int64
	err := db.queryRow(ctx, "SELECT id, facility_id, hash, name, created_at FROM hiu_api_keys WHERE id = $1", id).
		Scan(&k.ID, &k.FacilityID, &k.Hash, &k.Name, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errHIUKeyNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: hiu api key: %w", err)
	}
	k.CreatedAt = fromMillis(at)
	return &k, nil
}
