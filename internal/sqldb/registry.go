package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

var _ registry.Store = (*DB)(nil)

// The registry's change feeds.
//
// Facilities, professionals and drugs each have a feed: every write (create,
// update, import, put) gives the row a new seq, and the search index follows
// a feed by polling `seq > last ORDER BY seq`. For such a poller never to
// miss a row, seqs must be handed out in commit order: a row that commits
// after another must have the greater seq. A database sequence does not
// give that (a transaction may take seq 7, stay open, and commit after
// another took 8 and the poller moved past 8).
//
// So each feed's last seq lives in a row of registry_seq, and a writer takes
// its seqs with an UPDATE of that row in its own transaction (seqTake), the
// transaction's first statement. On PostgreSQL the UPDATE row-locks the
// counter until commit or rollback, so writers to one feed serialize on it:
// the next writer reads the counter only after the previous one committed
// (visibly) or rolled back (returning its seqs, which are reused). Seq order
// is therefore commit order and there are no gaps. On SQLite every write
// transaction is serialized anyway (BEGIN IMMEDIATE). An import takes a
// contiguous block of n seqs with one UPDATE. Taking the counter first
// also gives every writer the same lock order, so writers cannot deadlock.
// The cost is that writes to one feed do not overlap; they are short, and
// imports are batches of thousands of rows per round trip.
const (
	feedFacilities    = "facilities"
	feedProfessionals = "professionals"
	feedDrugs         = "drugs"
)

// seqTake reserves $1 seqs of feed $2 and returns the last of them.
const seqTake = "UPDATE registry_seq SET v = v + $1 WHERE name = $2 RETURNING v"

// takeSeqs reserves n consecutive seqs of feed in tx and returns the first.
func takeSeqs(ctx context.Context, tx *sql.Tx, take *sql.Stmt, feed string, n int) (int64, error) {
	var last int64
	if err := tx.StmtContext(ctx, take).QueryRowContext(ctx, n, feed).Scan(&last); err != nil {
		return 0, fmt.Errorf("take seq: %w", err)
	}
	return last - int64(n) + 1, nil
}

// historyColumns are registry_history's columns but n, which the database
// assigns in insertion order.
var historyColumns = []string{"kind", "id", "at", "actor", "action", "reason"}

var historyInsert = "INSERT INTO registry_history (" + strings.Join(historyColumns, ", ") +
	") VALUES (" + placeholders(1, len(historyColumns)) + ")"

func historyArgs(h *registry.HistoryEntry) []any {
	return []any{string(h.Kind), h.ID, millis(h.At), h.Actor, h.Action, h.Reason}
}

// utcMillis returns t in UTC at stored precision; the zero time stays zero.
func utcMillis(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// entryKind describes how facilities or professionals (T) are stored: the
// two differ only in their columns, so one implementation of the Store's
// methods serves both.
type entryKind[T any] struct {
	table string        // e.g. "registry_facilities"
	feed  string        // registry_seq name
	kind  registry.Kind // in history entries
	noun  string        // for messages: "Facility"
	many  string        // for import messages: "facilities"
	// columns lists the table's columns, seq first and id second.
	columns []string
	// values returns e's column values in columns order, seq as e.Seq.
	values func(e *T) []any
	// decoder returns a decoder of rows of columns.
	decoder func() decoder[T]
	// fields gives access to what the generic code reads and sets.
	fields func(e *T) (id string, version int64, seq *int64)
	// normalise stores e's times at stored precision.
	normalise func(e *T)

	// Derived statements, set by init.
	selectSQL, insertSQL, updateSQL string
	notFound                        *arogya.Error
}

// decoder scans rows of an entry kind's columns. It is reused from row to
// row: dest returns the same pointers each time, decode builds a new entry
// from what the last Scan stored. List columns are scanned as sql.RawBytes
// and decoded straight from the driver's buffer.
type decoder[T any] interface {
	dest() []any
	decode() (*T, error)
}

func (k *entryKind[T]) init() *entryKind[T] {
	k.selectSQL = "SELECT " + strings.Join(k.columns, ", ") + " FROM " + k.table
	k.insertSQL = "INSERT INTO " + k.table + " (" + strings.Join(k.columns, ", ") +
		") VALUES (" + placeholders(1, len(k.columns)) + ")"
	// UPDATE ... SET seq = $1, <every column but id> WHERE id = $2 AND version = $N+1
	var set []string
	for i, c := range k.columns {
		if c != "id" {
			set = append(set, fmt.Sprintf("%s = $%d", c, i+1))
		}
	}
	k.updateSQL = "UPDATE " + k.table + " SET " + strings.Join(set, ", ") +
		fmt.Sprintf(" WHERE id = $2 AND version = $%d", len(k.columns)+1)
	k.notFound = arogya.Errorf(arogya.ENOTFOUND, "%s not found.", k.noun)
	return k
}

// conflict turns a unique violation into ECONFLICT (naming the key, never
// its value) and wraps anything else.
func (k *entryKind[T]) conflict(db *DB, op string, err error, bulk bool) error {
	if !db.unique(err) {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	handle := strings.Contains(err.Error(), "handle")
	switch {
	case handle && bulk:
		return arogya.Errorf(arogya.ECONFLICT, "One or more HPR addresses are already taken.")
	case handle:
		return arogya.Errorf(arogya.ECONFLICT, "HPR address is already taken.")
	case bulk:
		return arogya.Errorf(arogya.ECONFLICT, "One or more %s already exist.", k.many)
	}
	return arogya.Errorf(arogya.ECONFLICT, "%s already exists.", k.noun)
}

// fillHistory makes h an event of the entry with that id, at stored
// precision.
func (k *entryKind[T]) fillHistory(h *registry.HistoryEntry, id string) {
	if h.Kind == "" {
		h.Kind = k.kind
	}
	if h.ID == "" {
		h.ID = id
	}
	h.At = utcMillis(h.At)
}

// create inserts e and h in one transaction and sets e's seq.
func (k *entryKind[T]) create(ctx context.Context, db *DB, e *T, h registry.HistoryEntry) error {
	op := "create " + strings.ToLower(k.noun)
	k.normalise(e)
	id, _, seqp := k.fields(e)
	k.fillHistory(&h, id)
	st, err := db.writeStmts(ctx, seqTake, k.insertSQL, historyInsert)
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	var seq int64
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		s, err := takeSeqs(ctx, tx, st[0], k.feed, 1)
		if err != nil {
			return fmt.Errorf("sqldb: %s: %w", op, err)
		}
		args := k.values(e)
		args[0] = s
		if _, err := tx.StmtContext(ctx, st[1]).ExecContext(ctx, args...); err != nil {
			return k.conflict(db, op, err, false)
		}
		if _, err := tx.StmtContext(ctx, st[2]).ExecContext(ctx, historyArgs(&h)...); err != nil {
			return fmt.Errorf("sqldb: %s: history: %w", op, err)
		}
		seq = s
		return nil
	})
	if err != nil {
		return err
	}
	*seqp = seq
	return nil
}

// update replaces the stored entry with e's ID if its version is e's minus
// one (compare and swap), appends h and sets e's seq, in one transaction.
func (k *entryKind[T]) update(ctx context.Context, db *DB, e *T, h registry.HistoryEntry) error {
	op := "update " + strings.ToLower(k.noun)
	k.normalise(e)
	id, version, seqp := k.fields(e)
	k.fillHistory(&h, id)
	st, err := db.writeStmts(ctx, seqTake, k.updateSQL, historyInsert)
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	var seq int64
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		s, err := takeSeqs(ctx, tx, st[0], k.feed, 1)
		if err != nil {
			return fmt.Errorf("sqldb: %s: %w", op, err)
		}
		args := append(k.values(e), version-1)
		args[0] = s
		res, err := tx.StmtContext(ctx, st[1]).ExecContext(ctx, args...)
		if err != nil {
			return k.conflict(db, op, err, false)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqldb: %s: %w", op, err)
		} else if n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+k.table+" WHERE id = $1", id).Scan(&exists); err != nil {
				return fmt.Errorf("sqldb: %s: %w", op, err)
			}
			if exists == 0 {
				return k.notFound
			}
			return arogya.Errorf(arogya.ECONFLICT, "%s was changed by another request.", k.noun)
		}
		if _, err := tx.StmtContext(ctx, st[2]).ExecContext(ctx, historyArgs(&h)...); err != nil {
			return fmt.Errorf("sqldb: %s: history: %w", op, err)
		}
		seq = s
		return nil
	})
	if err != nil {
		return err
	}
	*seqp = seq
	return nil
}

// importAll inserts es and hs in one transaction, es under a contiguous
// block of seqs in their order, and sets the entries' seqs. It uses COPY
// where the dialect has it and multi-row INSERTs otherwise.
func (k *entryKind[T]) importAll(ctx context.Context, db *DB, es []*T, hs []registry.HistoryEntry) error {
	if len(es) == 0 && len(hs) == 0 {
		return nil
	}
	op := "import " + k.many
	for _, e := range es {
		k.normalise(e)
	}
	historyRows := make([][]any, len(hs))
	for i := range hs {
		h := hs[i]
		if h.Kind == "" {
			h.Kind = k.kind
		}
		h.At = utcMillis(h.At)
		historyRows[i] = historyArgs(&h)
	}
	// rows returns es's column values under seqs first, first+1, ...
	rows := func(first int64) [][]any {
		out := make([][]any, len(es))
		for i, e := range es {
			out[i] = k.values(e)
			out[i][0] = first + int64(i)
		}
		return out
	}
	var first int64
	var err error
	if db.d.CopyTx != nil {
		first, err = k.importCopy(ctx, db, len(es), rows, historyRows)
	} else {
		first, err = k.importInsert(ctx, db, len(es), rows, historyRows)
	}
	if err != nil {
		return k.conflict(db, op, err, true)
	}
	for i, e := range es {
		_, _, seqp := k.fields(e)
		*seqp = first + int64(i)
	}
	return nil
}

func (k *entryKind[T]) importInsert(ctx context.Context, db *DB, n int, rows func(int64) [][]any, historyRows [][]any) (int64, error) {
	take, err := db.writeStmt(ctx, seqTake)
	if err != nil {
		return 0, err
	}
	var first int64
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		f := int64(0)
		if n > 0 {
			var err error
			if f, err = takeSeqs(ctx, tx, take, k.feed, n); err != nil {
				return err
			}
			if err := db.insertRows(ctx, tx, k.table, k.columns, rows(f)); err != nil {
				return err
			}
		}
		if len(historyRows) > 0 {
			if err := db.insertRows(ctx, tx, "registry_history", historyColumns, historyRows); err != nil {
				return err
			}
		}
		first = f
		return nil
	})
	return first, err
}

func (k *entryKind[T]) importCopy(ctx context.Context, db *DB, n int, rows func(int64) [][]any, historyRows [][]any) (int64, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var first int64
	err = db.d.CopyTx(ctx, conn, func(tx CopyTx) error {
		if n > 0 {
			var last int64
			if err := tx.QueryRow(ctx, seqTake, []any{n, k.feed}, &last); err != nil {
				return fmt.Errorf("take seq: %w", err)
			}
			first = last - int64(n) + 1
			if err := tx.Copy(ctx, CopyTable{Name: k.table, Columns: k.columns, Rows: rows(first)}); err != nil {
				return err
			}
		}
		return tx.Copy(ctx, CopyTable{Name: "registry_history", Columns: historyColumns, Rows: historyRows})
	})
	return first, err
}

// query runs a constant query returning rows of k's columns through a
// prepared statement; capacity is a hint for the result's size.
func (k *entryKind[T]) query(ctx context.Context, db *DB, capacity int, query string, args ...any) ([]*T, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dec := k.decoder()
	dest := dec.dest()
	out := make([]*T, 0, capacity)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		e, err := dec.decode()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// one returns the entry whose column equals value; column is a constant.
func (k *entryKind[T]) one(ctx context.Context, db *DB, column, value string) (*T, error) {
	es, err := k.query(ctx, db, 1, k.selectSQL+" WHERE "+column+" = $1", value)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", strings.ToLower(k.noun), err)
	}
	if len(es) == 0 {
		return nil, k.notFound
	}
	return es[0], nil
}

// byIDChunk is the most IDs one IN (...) query carries: a search page at
// most. Statements are prepared per number of IDs, so at most byIDChunk of
// them per kind.
const byIDChunk = 100

// byID returns the entries with these IDs in the order given, each once,
// skipping IDs that do not exist.
func (k *entryKind[T]) byID(ctx context.Context, db *DB, ids []string) ([]*T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	op := strings.ToLower(k.noun) + "s by id"
	found := make(map[string]*T, len(ids))
	args := make([]any, 0, min(len(ids), byIDChunk))
	flush := func() error {
		es, err := k.query(ctx, db, len(args), k.selectSQL+" WHERE id IN ("+db.params(1, len(args))+")", args...)
		if err != nil {
			return fmt.Errorf("sqldb: %s: %w", op, err)
		}
		for _, e := range es {
			id, _, _ := k.fields(e)
			found[id] = e
		}
		args = args[:0]
		return nil
	}
	queued := make(map[string]bool, len(ids))
	for _, id := range ids {
		if queued[id] {
			continue
		}
		queued[id] = true
		args = append(args, id)
		if len(args) == byIDChunk {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if len(args) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	out := make([]*T, 0, len(found))
	for _, id := range ids {
		if e, ok := found[id]; ok {
			out = append(out, e)
			delete(found, id) // each once, at its first place
		}
	}
	return out, nil
}

// byStatus lists entries with status st, of state stateCode ("" for all),
// by submission time then ID, after the entry with ID after ("" to start;
// an unknown ID gives an empty page), at most limit.
func (k *entryKind[T]) byStatus(ctx context.Context, db *DB, st registry.Status, stateCode, after string, limit int) ([]*T, error) {
	if limit <= 0 {
		return nil, nil
	}
	op := strings.ToLower(k.noun) + "s by status"
	q, args := k.selectSQL+" WHERE status = $1", []any{string(st)}
	if stateCode != "" {
		q += " AND state_code = $2"
		args = append(args, stateCode)
	}
	if after != "" {
		var at int64
		switch err := db.queryRow(ctx, "SELECT submitted_at FROM "+k.table+" WHERE id = $1", after).Scan(&at); {
		case errors.Is(err, sql.ErrNoRows):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("sqldb: %s: %w", op, err)
		}
		// A row value comparison, which both engines answer with a range
		// of the queue index.
		q += fmt.Sprintf(" AND (submitted_at, id) > ($%d, $%d)", len(args)+1, len(args)+2)
		args = append(args, at, after)
	}
	q += fmt.Sprintf(" ORDER BY submitted_at, id LIMIT $%d", len(args)+1)
	args = append(args, limit)
	es, err := k.query(ctx, db, min(limit, 256), q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	return es, nil
}

// since returns up to limit entries with seq > seq, in seq order.
func (k *entryKind[T]) since(ctx context.Context, db *DB, seq int64, limit int) ([]*T, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := k.query(ctx, db, min(limit, 8192), k.selectSQL+" WHERE seq > $1 ORDER BY seq LIMIT $2", seq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s since: %w", k.many, err)
	}
	return es, nil
}

// writeStmts returns statements for constant queries prepared once on the
// write pool (see writeStmt).
func (db *DB) writeStmts(ctx context.Context, queries ...string) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		st, err := db.writeStmt(ctx, q)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}
