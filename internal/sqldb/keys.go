package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
)

var _ auth.KeyStore = (*DB)(nil)

// PutKey stores a new key. Keys are never overwritten: an existing ID is
// ECONFLICT. A zero CreatedAt becomes now.
func (db *DB) PutKey(ctx context.Context, k auth.StoredKey) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO auth_keys (id, purpose, alg, sealed, created_at, retired_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Purpose, k.Alg, k.Sealed, millis(orNow(k.CreatedAt)), millis(k.RetiredAt))
	if db.unique(err) {
		return arogya.Errorf(arogya.ECONFLICT, "Key already exists.")
	} else if err != nil {
		return fmt.Errorf("sqldb: put key: %w", err)
	}
	return nil
}

// RetireKey sets RetiredAt on the key with that id.
func (db *DB) RetireKey(ctx context.Context, id string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, "UPDATE auth_keys SET retired_at = $2 WHERE id = $1", id, millis(orNow(at)))
	if err != nil {
		return fmt.Errorf("sqldb: retire key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: retire key: %w", err)
	} else if n == 0 {
		return arogya.Errorf(arogya.ENOTFOUND, "Key not found.")
	}
	return nil
}

// Keys returns every key, oldest first.
func (db *DB) Keys(ctx context.Context) ([]auth.StoredKey, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, purpose, alg, sealed, created_at, retired_at FROM auth_keys ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: keys: %w", err)
	}
	defer rows.Close()
	var out []auth.StoredKey
	for rows.Next() {
		var (
			k                auth.StoredKey
			created, retired int64
		)
		if err := rows.Scan(&k.ID, &k.Purpose, &k.Alg, &k.Sealed, &created, &retired); err != nil {
			return nil, fmt.Errorf("sqldb: keys: %w", err)
		}
		k.CreatedAt, k.RetiredAt = fromMillis(created), fromMillis(retired)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: keys: %w", err)
	}
	return out, nil
}
