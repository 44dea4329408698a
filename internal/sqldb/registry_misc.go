package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// drugColumns lists registry_drugs' columns in the order drugArgs and
// scanDrugs use.
var drugColumns = []string{
	"seq", "id", "generic", "brands", "form", "strength", "route", "schedule",
	"manufacturer", "atc", "updated_at",
}

var (
	drugSelect = "SELECT " + strings.Join(drugColumns, ", ") + " FROM registry_drugs"
	// drugUpsert replaces every column of an existing drug, seq included.
	drugUpsert = func() string {
		set := make([]string, 0, len(drugColumns))
		for _, c := range drugColumns {
			if c != "id" {
				set = append(set, c+" = excluded."+c)
			}
		}
		return " ON CONFLICT (id) DO UPDATE SET " + strings.Join(set, ", ")
	}()
	errDrugNotFound = arogya.Errorf(arogya.ENOTFOUND, "Drug not found.")
)

func drugArgs(d *registry.Drug) []any {
	return []any{
		d.Seq, d.ID, d.Generic, encodeStrings(d.Brands), d.Form, d.Strength, d.Route, d.Schedule,
		d.Manufacturer, d.ATC, millis(d.UpdatedAt),
	}
}

// PutDrugs inserts or replaces drugs by ID in one transaction, each under a
// new seq of the drugs' feed, in their order, and sets their Seq. When an
// ID appears twice, the last one is stored (and both get its seq).
func (db *DB) PutDrugs(ctx context.Context, ds []*registry.Drug) error {
	if len(ds) == 0 {
		return nil
	}
	// Keep the last of each ID: one statement may not upsert a row twice.
	last := make(map[string]int, len(ds))
	for i, d := range ds {
		d.UpdatedAt = utcMillis(d.UpdatedAt)
		last[d.ID] = i
	}
	put := make([]*registry.Drug, 0, len(last))
	for i, d := range ds {
		if last[d.ID] == i {
			put = append(put, d)
		}
	}
	take, err := db.writeStmt(ctx, seqTake)
	if err != nil {
		return fmt.Errorf("sqldb: put drugs: %w", err)
	}
	var first int64
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		f, err := takeSeqs(ctx, tx, take, feedDrugs, len(put))
		if err != nil {
			return err
		}
		rows := make([][]any, len(put))
		for i, d := range put {
			rows[i] = drugArgs(d)
			rows[i][0] = f + int64(i)
		}
		if err := db.insertRowsSuffix(ctx, tx, "registry_drugs", drugColumns, rows, drugUpsert); err != nil {
			return err
		}
		first = f
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqldb: put drugs: %w", err)
	}
	for i, d := range put {
		d.Seq = first + int64(i)
	}
	for _, d := range ds {
		d.Seq = ds[last[d.ID]].Seq
	}
	return nil
}

// Drug returns the drug with that ID.
func (db *DB) Drug(ctx context.Context, id string) (*registry.Drug, error) {
	ds, err := db.drugs(ctx, 1, drugSelect+" WHERE id = $1", id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errDrugNotFound
	}
	return ds[0], nil
}

// DrugsSince returns up to limit drugs with Seq > seq, in seq order.
func (db *DB) DrugsSince(ctx context.Context, seq int64, limit int) ([]*registry.Drug, error) {
	if limit <= 0 {
		return nil, nil
	}
	return db.drugs(ctx, min(limit, 8192), drugSelect+" WHERE seq > $1 ORDER BY seq LIMIT $2", seq, limit)
}

// drugs runs a constant query returning rows of drugColumns.
func (db *DB) drugs(ctx context.Context, capacity int, query string, args ...any) ([]*registry.Drug, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqldb: drugs: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: drugs: %w", err)
	}
	defer rows.Close()
	var (
		d       registry.Drug
		brands  sql.RawBytes
		updated int64
	)
	dest := []any{&d.Seq, &d.ID, &d.Generic, &brands, &d.Form, &d.Strength, &d.Route, &d.Schedule,
		&d.Manufacturer, &d.ATC, &updated}
	out := make([]*registry.Drug, 0, capacity)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqldb: drugs: %w", err)
		}
		e := new(registry.Drug)
		*e = d
		e.UpdatedAt = fromMillis(updated)
		if e.Brands, err = decodeStrings(brands); err != nil {
			return nil, fmt.Errorf("sqldb: drugs: decode brands: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: drugs: %w", err)
	}
	return out, nil
}

// History lists the history of the entry of that kind and ID, oldest first
// (events of one millisecond in the order they were written). An entry
// without history, or no entry, has none: nil.
func (db *DB) History(ctx context.Context, kind registry.Kind, id string) ([]registry.HistoryEntry, error) {
	st, err := db.prepared(ctx, "SELECT at, actor, action, reason FROM registry_history WHERE kind = $1 AND id = $2 ORDER BY at, n")
	if err != nil {
		return nil, fmt.Errorf("sqldb: history: %w", err)
	}
	rows, err := st.QueryContext(ctx, string(kind), id)
	if err != nil {
		return nil, fmt.Errorf("sqldb: history: %w", err)
	}
	defer rows.Close()
	var out []registry.HistoryEntry
	for rows.Next() {
		h := registry.HistoryEntry{Kind: kind, ID: id}
		var at int64
		if err := rows.Scan(&at, &h.Actor, &h.Action, &h.Reason); err != nil {
			return nil, fmt.Errorf("sqldb: history: %w", err)
		}
		h.At = fromMillis(at)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: history: %w", err)
	}
	return out, nil
}

const verifierSelect = "SELECT id, name, state_code, key_hash, disabled, created_at FROM registry_verifiers"

var errVerifierNotFound = arogya.Errorf(arogya.ENOTFOUND, "Verifier not found.")

// CreateVerifier inserts v. CreatedAt is stored at millisecond precision in
// UTC (now if zero) and written back to v. ECONFLICT if the ID exists.
func (db *DB) CreateVerifier(ctx context.Context, v *registry.Verifier) error {
	v.CreatedAt = orNow(v.CreatedAt)
	_, err := db.write.ExecContext(ctx, `INSERT INTO registry_verifiers (id, name, state_code, key_hash, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, v.ID, v.Name, v.StateCode, v.KeyHash, v.Disabled, millis(v.CreatedAt))
	if db.unique(err) {
		return arogya.Errorf(arogya.ECONFLICT, "Verifier already exists.")
	} else if err != nil {
		return fmt.Errorf("sqldb: create verifier: %w", err)
	}
	return nil
}

// Verifier returns the verifier with that ID, disabled or not.
func (db *DB) Verifier(ctx context.Context, id string) (*registry.Verifier, error) {
	v, err := scanVerifier(db.queryRow(ctx, verifierSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errVerifierNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: verifier: %w", err)
	}
	return v, nil
}

// Verifiers lists every verifier by state, then ID.
func (db *DB) Verifiers(ctx context.Context) ([]*registry.Verifier, error) {
	rows, err := db.read.QueryContext(ctx, verifierSelect+" ORDER BY state_code, id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: verifiers: %w", err)
	}
	defer rows.Close()
	var out []*registry.Verifier
	for rows.Next() {
		v, err := scanVerifier(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: verifiers: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: verifiers: %w", err)
	}
	return out, nil
}

func scanVerifier(s rowScanner) (*registry.Verifier, error) {
	var (
		v       registry.Verifier
		created int64
	)
	if err := s.Scan(&v.ID, &v.Name, &v.StateCode, &v.KeyHash, &v.Disabled, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMillis(created)
	return &v, nil
}

// SetVerifierDisabled disables or re-enables a verifier. ENOTFOUND for an
// unknown ID.
func (db *DB) SetVerifierDisabled(ctx context.Context, id string, disabled bool) error {
	res, err := db.write.ExecContext(ctx, "UPDATE registry_verifiers SET disabled = $2 WHERE id = $1", id, disabled)
	if err != nil {
		return fmt.Errorf("sqldb: set verifier disabled: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: set verifier disabled: %w", err)
	} else if n == 0 {
		return errVerifierNotFound
	}
	return nil
}

// RegistryCounts returns how many facilities and professionals there are,
// of any status.
func (db *DB) RegistryCounts(ctx context.Context) (facilities, professionals int, err error) {
	err = db.queryRow(ctx, "SELECT (SELECT count(*) FROM registry_facilities), (SELECT count(*) FROM registry_professionals)").
		Scan(&facilities, &professionals)
	if err != nil {
		return 0, 0, fmt.Errorf("sqldb: registry counts: %w", err)
	}
	return facilities, professionals, nil
}
