package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
)

var _ gateway.Store = (*DB)(nil)

// bridgeColumns lists gateway_bridges' columns in the order CreateBridge
// writes and scanBridge reads them.
var bridgeColumns = []string{"id", "name", "url", "version", "secret_hash", "active", "created_at", "updated_at"}

// serviceColumns lists gateway_services' columns in the order PutServices
// writes and scanService reads them.
var serviceColumns = []string{"id", "bridge_id", "name", "types", "active", "updated_at"}

var (
	bridgeSelect  = "SELECT " + strings.Join(bridgeColumns, ", ") + " FROM gateway_bridges"
	serviceSelect = "SELECT " + strings.Join(serviceColumns, ", ") + " FROM gateway_services"
	bridgeInsert  = "INSERT INTO gateway_bridges (" + strings.Join(bridgeColumns, ", ") +
		") VALUES (" + placeholders(1, len(bridgeColumns)) + ")"
	// serviceUpsert inserts a service or updates it, but only if it is
	// already the same bridge's: a row of another bridge is left alone and
	// the statement affects no row. The primary key on id makes this hold
	// under concurrency too: on PostgreSQL a racing insert of the same ID
	// waits for the first to commit, then finds its row and does not take it.
	serviceUpsert = "INSERT INTO gateway_services (" + strings.Join(serviceColumns, ", ") +
		") VALUES (" + placeholders(1, len(serviceColumns)) + ")" +
		" ON CONFLICT (id) DO UPDATE SET name = excluded.name, types = excluded.types," +
		" active = excluded.active, updated_at = excluded.updated_at" +
		" WHERE gateway_services.bridge_id = excluded.bridge_id"
)

var (
	errBridgeNotFound  = arogya.Errorf(arogya.ENOTFOUND, "Bridge not found.")
	errServiceNotFound = arogya.Errorf(arogya.ENOTFOUND, "Service not found.")
	errBridgeExists    = arogya.Errorf(arogya.ECONFLICT, "Bridge already exists.")
	errServiceTaken    = arogya.Errorf(arogya.ECONFLICT, "A service is already registered to another bridge.")
)

// CreateBridge inserts b. A zero CreatedAt is set to now, a zero UpdatedAt
// to CreatedAt; both are stored at millisecond precision in UTC and written
// back so. ECONFLICT if the ID exists.
func (db *DB) CreateBridge(ctx context.Context, b *gateway.Bridge) error {
	created := orNow(b.CreatedAt)
	updated := created
	if !b.UpdatedAt.IsZero() {
		updated = b.UpdatedAt.UTC().Truncate(time.Millisecond)
	}
	_, err := db.write.ExecContext(ctx, bridgeInsert,
		b.ID, b.Name, b.URL, b.Version, b.SecretHash, b.Active, millis(created), millis(updated))
	if db.unique(err) {
		return errBridgeExists
	} else if err != nil {
		return fmt.Errorf("sqldb: create bridge: %w", err)
	}
	b.CreatedAt, b.UpdatedAt = created, updated
	return nil
}

// Bridge returns the bridge with that ID, active or not.
func (db *DB) Bridge(ctx context.Context, id string) (*gateway.Bridge, error) {
	b, err := scanBridge(db.queryRow(ctx, bridgeSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBridgeNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: bridge: %w", err)
	}
	return b, nil
}

// Bridges lists every bridge by ID.
func (db *DB) Bridges(ctx context.Context) ([]*gateway.Bridge, error) {
	rows, err := db.read.QueryContext(ctx, bridgeSelect+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: bridges: %w", err)
	}
	defer rows.Close()
	var out []*gateway.Bridge
	for rows.Next() {
		b, err := scanBridge(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: bridges: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: bridges: %w", err)
	}
	return out, nil
}

func scanBridge(s rowScanner) (*gateway.Bridge, error) {
	var (
		b                gateway.Bridge
		created, updated int64
	)
	if err := s.Scan(&b.ID, &b.Name, &b.URL, &b.Version, &b.SecretHash, &b.Active, &created, &updated); err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &b, nil
}

// SetBridgeURL sets the bridge's callback URL and the protocol version it
// was set with, and its UpdatedAt to at (now if zero). ENOTFOUND for an
// unknown ID.
func (db *DB) SetBridgeURL(ctx context.Context, id, url, version string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, "UPDATE gateway_bridges SET url = $2, version = $3, updated_at = $4 WHERE id = $1",
		id, url, version, millis(orNow(at)))
	if err != nil {
		return fmt.Errorf("sqldb: set bridge url: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: set bridge url: %w", err)
	} else if n == 0 {
		return errBridgeNotFound
	}
	return nil
}

// PutServices inserts or updates ss as the services of the bridge, by ID,
// in one transaction. Each service's BridgeID is set to bridgeID and a zero
// UpdatedAt to now; UpdatedAt is stored at millisecond precision in UTC, and
// both are written back to ss once committed. When an ID appears twice, the
// last one is stored. ENOTFOUND for an unknown bridge; ECONFLICT, and
// nothing stored, if any ID is another bridge's service. Services of the
// bridge missing from ss are left as they are.
func (db *DB) PutServices(ctx context.Context, bridgeID string, ss []*gateway.HIService) error {
	now := nowMillis()
	rows := make([]putService, len(ss))
	for i, s := range ss {
		at := now
		if !s.UpdatedAt.IsZero() {
			at = s.UpdatedAt.UTC().Truncate(time.Millisecond)
		}
		rows[i] = putService{s, at}
	}
	// Upsert in ID order, so that two transactions row-lock shared IDs in
	// one order and cannot deadlock; stable, so the last of an ID wins.
	slices.SortStableFunc(rows, func(a, b putService) int { return cmp.Compare(a.s.ID, b.s.ID) })
	st, err := db.writeStmts(ctx, "SELECT 1 FROM gateway_bridges WHERE id = $1", serviceUpsert)
	if err != nil {
		return fmt.Errorf("sqldb: put services: %w", err)
	}
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.StmtContext(ctx, st[0]).QueryRowContext(ctx, bridgeID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return errBridgeNotFound
		} else if err != nil {
			return fmt.Errorf("sqldb: put services: %w", err)
		}
		upsert := tx.StmtContext(ctx, st[1])
		for _, r := range rows {
			res, err := upsert.ExecContext(ctx, r.s.ID, bridgeID, r.s.Name, encodeStrings(r.s.Types), r.s.Active, millis(r.at))
			if err != nil {
				return fmt.Errorf("sqldb: put services: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqldb: put services: %w", err)
			} else if n == 0 {
				return errServiceTaken
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		r.s.BridgeID, r.s.UpdatedAt = bridgeID, r.at
	}
	return nil
}

// putService is a service to put and the UpdatedAt it is stored with.
type putService struct {
	s  *gateway.HIService
	at time.Time
}

// Services lists the bridge's services by ID; none (nil) for a bridge
// without services or an unknown bridge.
func (db *DB) Services(ctx context.Context, bridgeID string) ([]*gateway.HIService, error) {
	st, err := db.prepared(ctx, serviceSelect+" WHERE bridge_id = $1 ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: services: %w", err)
	}
	rows, err := st.QueryContext(ctx, bridgeID)
	if err != nil {
		return nil, fmt.Errorf("sqldb: services: %w", err)
	}
	defer rows.Close()
	var out []*gateway.HIService
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: services: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: services: %w", err)
	}
	return out, nil
}

// Service returns the service with that ID, whichever bridge serves it.
func (db *DB) Service(ctx context.Context, id string) (*gateway.HIService, error) {
	s, err := scanService(db.queryRow(ctx, serviceSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errServiceNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: service: %w", err)
	}
	return s, nil
}

// scanService reads a row of serviceColumns. Types are scanned as a string,
// not sql.RawBytes, which *sql.Row does not allow.
func scanService(sc rowScanner) (*gateway.HIService, error) {
	var (
		s       gateway.HIService
		types   string
		updated int64
	)
	if err := sc.Scan(&s.ID, &s.BridgeID, &s.Name, &types, &s.Active, &updated); err != nil {
		return nil, err
	}
	s.UpdatedAt = fromMillis(updated)
	var err error
	if s.Types, err = decodeStrings([]byte(types)); err != nil {
		return nil, fmt.Errorf("decode types: %w", err)
	}
	return &s, nil
}
