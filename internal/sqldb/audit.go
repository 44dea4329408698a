package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/arogya-health/arogya/internal/audit"
)

var _ audit.Store = (*DB)(nil)

// AppendAudit appends e to the log. In one transaction it reads the head of
// the chain from audit_head (row-locked on PostgreSQL, so appends from
// several nodes serialize; SQLite's BEGIN IMMEDIATE does the same), sets
// e.Seq and e.PrevHash, calls seal with them, inserts the event and moves
// the head. e.At is normalised to UTC milliseconds (now if zero) before
// seal, so the hash covers exactly what is stored.
func (db *DB) AppendAudit(ctx context.Context, e *audit.Event, seal func(prev []byte, seq int64)) error {
	return db.AppendAuditBatch(ctx, []*audit.Event{e}, func(_ *audit.Event, prev []byte, seq int64) { seal(prev, seq) })
}

// AppendAuditBatch appends events in order in one transaction, as
// AppendAudit does for one: each is sealed with the hash of the one before.
func (db *DB) AppendAuditBatch(ctx context.Context, events []*audit.Event, seal func(e *audit.Event, prev []byte, seq int64)) error {
	if len(events) == 0 {
		return nil
	}
	for _, e := range events {
		e.At = orNow(e.At)
	}
	var stmts [3]*sql.Stmt
	for i, q := range []string{"SELECT seq, hash FROM audit_head WHERE id = 1" + db.forUpdate(), insertAuditSQL,
		"UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1"} {
		st, err := db.writeStmt(ctx, q)
		if err != nil {
			return fmt.Errorf("sqldb: append audit: prepare: %w", err)
		}
		stmts[i] = st
	}
	head, prepared, move := stmts[0], stmts[1], stmts[2]
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		var (
			seq  int64
			prev []byte
		)
		if err := tx.StmtContext(ctx, head).QueryRowContext(ctx).Scan(&seq, &prev); err != nil {
			return fmt.Errorf("read head: %w", err)
		}
		if len(prev) == 0 {
			prev = make([]byte, 32)
		}
		for _, e := range events {
			seq++
			e.Seq, e.PrevHash, e.Hash = seq, prev, nil
			seal(e, prev, e.Seq)
			if len(e.Hash) == 0 {
				return fmt.Errorf("seal left the event without a hash")
			}
			prev = e.Hash
		}
		if err := db.insertAudit(ctx, tx, prepared, events); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if _, err := tx.StmtContext(ctx, move).ExecContext(ctx, seq, prev); err != nil {
			return fmt.Errorf("move head: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqldb: append audit: %w", err)
	}
	return nil
}

// auditInsertRows is how many events one multi-row INSERT carries on
// PostgreSQL (9 parameters each, far below the 65,535 limit).
const auditInsertRows = 200

// insertAudit stores sealed events. On SQLite, statements run in process, so
// the prepared single-row INSERT is cheapest; on PostgreSQL every statement
// is a network round trip made while the chain's head row is locked, so
// events go in multi-row INSERTs.
func (db *DB) insertAudit(ctx context.Context, tx *sql.Tx, single *sql.Stmt, events []*audit.Event) error {
	if db.d.Name != "postgres" || len(events) == 1 {
		ins := tx.StmtContext(ctx, single)
		defer ins.Close()
		for _, e := range events {
			if _, err := ins.ExecContext(ctx, e.Seq, millis(e.At), e.Actor, e.Action, e.Subject, e.Outcome,
				e.Detail, e.PrevHash, e.Hash); err != nil {
				return err
			}
		}
		return nil
	}
	for len(events) > 0 {
		chunk := events[:min(len(events), auditInsertRows)]
		events = events[len(chunk):]
		var q strings.Builder
		q.WriteString("INSERT INTO audit_events (seq, at, actor, action, subject, outcome, detail, prev_hash, hash) VALUES ")
		args := make([]any, 0, 9*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(" + placeholders(9*i+1, 9) + ")")
			args = append(args, e.Seq, millis(e.At), e.Actor, e.Action, e.Subject, e.Outcome, e.Detail, e.PrevHash, e.Hash)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

const insertAuditSQL = `INSERT INTO audit_events
	(seq, at, actor, action, subject, outcome, detail, prev_hash, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// AuditEvents returns up to limit events with Seq > after, in order. A
// limit of zero or less returns nothing.
func (db *DB) AuditEvents(ctx context.Context, after int64, limit int) ([]audit.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash
		FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var (
			e  audit.Event
			at int64
		)
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &e.Outcome, &e.Detail,
			&e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("sqldb: audit events: %w", err)
		}
		e.At = fromMillis(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: audit events: %w", err)
	}
	return out, nil
}
