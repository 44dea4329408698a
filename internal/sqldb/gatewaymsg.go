package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/gateway"
)

var (
	_ gateway.MessageStore     = (*DB)(nil)
	_ gateway.DeliveredBatcher = (*DB)(nil)
)

// The gateway's inbox and outbox (gateway_inbox, gateway_outbox).
//
// Accept is on the path of every message a bridge sends, so concurrent
// calls share write transactions (group commit, acceptQueue), each of
// prepared statements: the inbox row first (a duplicate stops there,
// before anything else is written), then the state changes (consent
// requests, internal/sqldb/consent.go), then the outbound rows. On SQLite
// that is a few statements per message, an outbound row's ID coming from
// LastInsertId; on PostgreSQL, where each statement is a round trip, it is
// one statement per table for the whole batch (acceptTxArrays).
//
// ClaimDue leases due messages by moving their next_at to the lease's end,
// so the due scan (index gateway_outbox_due) skips them until the lease runs
// out: a worker that dies mid-delivery leaves its messages to be claimed
// again. On PostgreSQL, workers on several nodes claim at once: the due rows
// are selected FOR UPDATE SKIP LOCKED and updated in one statement, so a
// second worker passes over rows the first is leasing instead of waiting
// for them and then taking them too. On SQLite write transactions are
// serialized (BEGIN IMMEDIATE), so a select and an update in one of them is
// enough.
//
// The inbox only needs to remember a request ID as long as its bridge may
// retry it; a janitor may later delete rows older than some days (it would
// come with an index on received_at). Delivered outbound rows may likewise
// be pruned, but on SQLite not the newest row: its rowid would be reused.

// outboxColumns lists gateway_outbox's columns in the order scanOutbound
// reads them; the INSERTs write all but id, in the same order.
var outboxColumns = []string{"id", "request_id", "bridge_id", "kind", "target_id", "body", "headers", "url",
	"attempts", "next_at", "status", "last_error", "created_at", "delivered_at"}

var (
	outboxSelect = "SELECT " + strings.Join(outboxColumns, ", ") + " FROM gateway_outbox"
	// outboxOSelect is outboxColumns qualified with o, for ClaimDue on PostgreSQL.
	outboxOSelect = "o." + strings.Join(outboxColumns, ", o.")
	inboxInsert   = "INSERT INTO gateway_inbox (bridge_id, request_id, kind, version, received_at)" +
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bridge_id, request_id) DO NOTHING"
	// outboxInsert is the INSERT on SQLite (anonymous placeholders, ID from
	// LastInsertId), outboxInsertReturning on PostgreSQL.
	outboxInsert = "INSERT INTO gateway_outbox (" + strings.Join(outboxColumns[1:], ", ") +
		") VALUES (" + strings.Repeat("?, ", len(outboxColumns)-2) + "?)"
	outboxInsertReturning = "INSERT INTO gateway_outbox (" + strings.Join(outboxColumns[1:], ", ") +
		") VALUES (" + placeholders(1, len(outboxColumns)-1) + ") RETURNING id"

	// claimSelect and claimLease claim on SQLite, in one write transaction:
	// the lease's UPDATE selects again exactly the rows claimSelect read,
	// as nothing else writes meanwhile.
	claimSelect = outboxSelect + " WHERE status = 'PENDING' AND next_at <= $1 ORDER BY next_at, id LIMIT $2"
	claimLease  = "UPDATE gateway_outbox SET next_at = $1 WHERE id IN (SELECT id FROM gateway_outbox" +
		" WHERE status = 'PENDING' AND next_at <= $2 ORDER BY next_at, id LIMIT $3)"
	// claimLocked claims on PostgreSQL in one statement. The CTE is
	// MATERIALIZED so that it runs once (a subquery may be rescanned, and
	// each scan would lock other rows); RETURNING gives the due time before
	// the lease, to order the claimed rows by.
	claimLocked = "WITH due AS MATERIALIZED (SELECT id, next_at FROM gateway_outbox" +
		" WHERE status = 'PENDING' AND next_at <= $1 ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)" +
		" UPDATE gateway_outbox o SET next_at = $3 FROM due WHERE o.id = due.id" +
		" RETURNING due.next_at, " + outboxOSelect

	markDelivered = "UPDATE gateway_outbox SET status = 'DELIVERED', delivered_at = $2 WHERE id = $1"
	// markDeliveredAny is MarkDeliveredBatch on PostgreSQL.
	markDeliveredAny = "UPDATE gateway_outbox SET status = 'DELIVERED', delivered_at = $2 WHERE id = ANY($1::bigint[])"
	markRetry        = "UPDATE gateway_outbox SET attempts = $2, next_at = $3, last_error = $4 WHERE id = $1"
	markDead         = "UPDATE gateway_outbox SET status = 'DEAD', attempts = $2, last_error = $3 WHERE id = $1"
	replayDead       = "UPDATE gateway_outbox SET status = 'PENDING', attempts = 0, next_at = $2" +
		" WHERE id = $1 AND status = 'DEAD'"
)

var (
	errInboundDuplicate = arogya.Errorf(arogya.ECONFLICT, "Request already received.")
	errInboundInvalid   = arogya.Errorf(arogya.EINVALID, "Inbound message needs a bridge and a request ID.")
	errOutboundNotFound = arogya.Errorf(arogya.ENOTFOUND, "Outbound message not found.")
	errOutboundNotDead  = arogya.Errorf(arogya.ECONFLICT, "Only a dead outbound message can be replayed.")
)

// Accept records in and inserts eff.ConsentRequests and eff.Outbound, in
// one transaction. A zero in.ReceivedAt is set to now; an outbound
// message's zero CreatedAt and NextAt to in.ReceivedAt and its empty Status
// to PENDING; a consent request's zero CreatedAt to in.ReceivedAt, its zero
// UpdatedAt to CreatedAt and its empty Status to REQUESTED. Once
// committed, the IDs, statuses and times (permissions' too), at
// millisecond precision in UTC, are written back. ECONFLICT, and nothing
// written, if the bridge sent the request ID before; EINVALID if in has no
// bridge or request ID or a consent request has no ID. A consent request
// ID already stored (a UUID collision) fails it with an internal error,
// nothing written.
//
// Concurrent calls share transactions (group commit, as audit.Log does):
// while one batch is being written, newer messages queue and go out
// together in the next transaction, so that on SQLite's single writer a
// commit (its WAL frames, its page-cache work) is paid once per batch, and
// on PostgreSQL one WAL flush serves many messages. Each call returns only
// once the transaction holding its message has committed: nothing is
// answered 202 that could be lost. Within a batch a duplicate (a request
// ID the inbox holds, or one a message earlier in the same batch carries)
// is ECONFLICT for that message alone and writes nothing; any other failure
// rolls the batch back, and its messages are then written again one
// transaction each, so a bad message fails by itself.
func (db *DB) Accept(ctx context.Context, in *gateway.Inbound, eff gateway.Effects) error {
	if in.BridgeID == "" || in.RequestID == "" {
		return errInboundInvalid
	}
	received := orNow(in.ReceivedAt)
	rows, err := newOutRows(eff.Outbound, received)
	if err != nil {
		return fmt.Errorf("sqldb: accept: %w", err)
	}
	crows, err := newConsentRows(eff.ConsentRequests, received)
	if errors.Is(err, errConsentInvalid) {
		return err
	} else if err != nil {
		return fmt.Errorf("sqldb: accept: %w", err)
	}
	a := &accepting{in: in, eff: eff, received: received, rows: rows, crows: crows, done: make(chan error, 1)}
	if err := db.accepts.accept(ctx, db, a); err != nil {
		return err
	}
	in.ReceivedAt = received
	commitConsentRows(crows)
	commitOutRows(rows)
	return nil
}

// acceptQueue group-commits Accept. Its zero value is ready.
type acceptQueue struct {
	mu       sync.Mutex
	queue    []*accepting
	flushing bool // a goroutine is writing batches
}

// accepting is one Accept call: the message, its effects ready to insert,
// and where its outcome goes; or one MarkDeliveredBatch call (in is nil),
// which rides along in the batch's transaction.
type accepting struct {
	marks    []int64 // MarkDeliveredBatch: the messages delivered
	markedAt int64   // and when, in milliseconds
	in       *gateway.Inbound
	eff      gateway.Effects
	received time.Time
	rows     []outRow
	crows    []consentRow
	seq      int        // its place in the batch
	dup      bool       // set in the batch's transaction: the request ID was received before
	done     chan error // buffered; the outcome, once the batch committed or failed
}

// maxAcceptBatch bounds how many messages share one transaction.
const maxAcceptBatch = 128

// accept queues a and waits for its outcome. The caller that finds nobody
// writing becomes the writer; the others wait for it.
func (q *acceptQueue) accept(ctx context.Context, db *DB, a *accepting) error {
	q.mu.Lock()
	q.queue = append(q.queue, a)
	if q.flushing {
		q.mu.Unlock()
		select {
		case err := <-a.done:
			return err
		case <-ctx.Done():
		}
		// Given up on: if no batch has taken the message yet, it is
		// dropped and nothing is written; if one has, its outcome is
		// waited for (soon: the batch does not heed ctx), so that the
		// caller never takes a committed message for a failed one.
		q.mu.Lock()
		if i := slices.Index(q.queue, a); i >= 0 {
			q.queue = slices.Delete(q.queue, i, i+1)
			q.mu.Unlock()
			return fmt.Errorf("sqldb: accept: %w", ctx.Err())
		}
		q.mu.Unlock()
		return <-a.done
	}
	q.flushing = true
	q.mu.Unlock()
	q.flush(context.WithoutCancel(ctx), db, a)
	return <-a.done
}

// flush writes queued batches. The caller that became the writer writes
// the batch holding its own message; if more queued meanwhile, it hands
// the writing over to a new goroutine and returns, so that no caller is
// kept writing other callers' messages under sustained load.
func (q *acceptQueue) flush(ctx context.Context, db *DB, own *accepting) {
	for {
		q.mu.Lock()
		batch := q.queue
		if len(batch) > maxAcceptBatch {
			batch = batch[:maxAcceptBatch]
		}
		q.queue = q.queue[len(batch):]
		q.mu.Unlock()
		db.acceptBatch(ctx, batch)
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.queue = nil // let the array go
			q.flushing = false
			q.mu.Unlock()
			return
		}
		if own != nil && len(own.done) > 0 {
			q.mu.Unlock()
			go q.flush(ctx, db, nil)
			return
		}
		q.mu.Unlock()
	}
}

// acceptBatch commits batch in one transaction and tells each caller how
// it went. If the transaction fails, each message is written again in a
// transaction of its own, so that the others do not fail with it.
func (db *DB) acceptBatch(ctx context.Context, batch []*accepting) {
	err := db.acceptTx(ctx, batch)
	if err != nil && len(batch) > 1 {
		for _, a := range batch {
			a.done <- a.outcome(db.acceptTx(ctx, []*accepting{a}))
		}
		return
	}
	for _, a := range batch {
		a.done <- a.outcome(err)
	}
}

// outcome is what Accept returns once the transaction that held a ended
// with err.
func (a *accepting) outcome(err error) error {
	switch {
	case err != nil:
		return err
	case a.dup:
		return errInboundDuplicate
	}
	return nil
}

// inboxKey is gateway_inbox's primary key.
type inboxKey struct{ bridge, request string }

// acceptTx writes batch in one transaction of prepared statements. A
// message whose request ID an earlier one in the batch carries is marked
// dup without touching the database.
func (db *DB) acceptTx(ctx context.Context, batch []*accepting) error {
	var marks []*accepting
	msgs := batch[:0:0]
	for _, a := range batch {
		if a.in == nil {
			marks = append(marks, a)
		} else {
			a.seq = len(msgs)
			msgs = append(msgs, a)
		}
	}
	// Statements are prepared before the transaction: on SQLite it holds
	// the one write connection, which preparing would wait for.
	var write func(*sql.Tx) error
	if len(msgs) > 0 {
		var err error
		if write, err = db.acceptWriter(ctx, msgs); err != nil {
			return err
		}
	}
	var markSt *sql.Stmt
	if len(marks) > 0 {
		var err error
		if markSt, err = db.writeStmt(ctx, db.markDeliveredQuery()); err != nil {
			return fmt.Errorf("sqldb: mark delivered: %w", err)
		}
	}
	return db.Transact(ctx, func(tx *sql.Tx) error {
		for _, m := range marks {
			if err := db.markDeliveredTx(ctx, tx, markSt, m.marks, m.markedAt); err != nil {
				return fmt.Errorf("sqldb: mark delivered: %w", err)
			}
		}
		if write == nil {
			return nil
		}
		return write(tx)
	})
}

// acceptWriter prepares the statements that write the messages of a batch
// and returns what writes them in a transaction.
func (db *DB) acceptWriter(ctx context.Context, batch []*accepting) (func(*sql.Tx) error, error) {
	if db.d.Name == "postgres" {
		return db.acceptTxArrays(ctx, batch)
	}
	st, err := db.writeStmts(ctx, inboxInsert, db.outboxInsertSQL())
	if err != nil {
		return nil, fmt.Errorf("sqldb: accept: %w", err)
	}
	var consentIns *sql.Stmt // prepared only when needed
	for _, a := range batch {
		if len(a.crows) > 0 {
			if consentIns, err = db.writeStmt(ctx, db.consentInsertSQL()); err != nil {
				return nil, fmt.Errorf("sqldb: accept: %w", err)
			}
			break
		}
	}
	return func(tx *sql.Tx) error {
		inbox := tx.StmtContext(ctx, st[0])
		var seen map[inboxKey]bool
		if len(batch) > 1 {
			seen = make(map[inboxKey]bool, len(batch))
		}
		for _, a := range batch {
			if seen != nil {
				k := inboxKey{a.in.BridgeID, a.in.RequestID}
				if a.dup = seen[k]; a.dup {
					continue
				}
				seen[k] = true
			}
			dup, err := db.acceptOne(ctx, tx, inbox, consentIns, st[1], a)
			if err != nil {
				return err
			}
			a.dup = dup
		}
		return nil
	}, nil
}

// acceptOne writes one message in tx: its inbox row (inbox, bound to tx)
// and, unless the bridge sent the request ID before (dup), its effects.
// consentIns and outboxIns are prepared on the write pool.
func (db *DB) acceptOne(ctx context.Context, tx *sql.Tx, inbox, consentIns, outboxIns *sql.Stmt, a *accepting) (dup bool, err error) {
	in := a.in
	res, err := inbox.ExecContext(ctx, in.BridgeID, in.RequestID, in.Kind, in.Version, millis(a.received))
	if db.unique(err) {
		// Not expected with ON CONFLICT DO NOTHING; on PostgreSQL it has
		// aborted the transaction, so fail it: alone, it answers ECONFLICT.
		return false, errInboundDuplicate
	} else if err != nil {
		return false, fmt.Errorf("sqldb: accept: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("sqldb: accept: %w", err)
	} else if n == 0 {
		return true, nil
	}
	if len(a.crows) > 0 {
		if err := insertConsent(ctx, tx, consentIns, a.crows); err != nil {
			return false, fmt.Errorf("sqldb: accept: %w", err)
		}
	}
	if err := db.acceptEffects(ctx, tx, a); err != nil {
		return false, err
	}
	if err := db.insertOutbound(ctx, tx, outboxIns, a.rows); err != nil {
		return false, fmt.Errorf("sqldb: accept: %w", err)
	}
	return false, nil
}

// acceptEffects applies a's effects other than its consent requests and
// outbound messages, in tx.
func (db *DB) acceptEffects(ctx context.Context, tx *sql.Tx, a *accepting) error {
	if err := applyFlows(ctx, tx, a.eff.Flows, a.eff.FlowUpdates); err != nil {
		return fmt.Errorf("sqldb: accept: %w", err)
	}
	if err := applyLinking(ctx, tx, &a.eff); err != nil {
		return fmt.Errorf("sqldb: accept: %w", err)
	}
	if err := applySubscriptions(ctx, tx, &a.eff); err != nil {
		return fmt.Errorf("sqldb: accept: %w", err)
	}
	return nil
}

// Enqueue inserts out in one transaction. A message's zero CreatedAt is set
// to now, its zero NextAt to CreatedAt and its empty Status to PENDING; the
// IDs and times are written back once committed.
func (db *DB) Enqueue(ctx context.Context, out []*gateway.Outbound) error {
	if len(out) == 0 {
		return nil
	}
	return db.withOutbound(ctx, "enqueue", out, func(*sql.Tx) error { return nil })
}

// outRow is an outbound message to insert, with the values it is stored
// with and, once inserted, its ID.
type outRow struct {
	o                  *gateway.Outbound
	status, headers    string
	body               []byte
	created, next, del time.Time
	id                 int64
}

// newOutRows prepares out for insertion; now is the default CreatedAt.
func newOutRows(out []*gateway.Outbound, now time.Time) ([]outRow, error) {
	rows := make([]outRow, len(out))
	for i, o := range out {
		r := outRow{o: o, status: cmp.Or(o.Status, gateway.OutPending), body: o.Body,
			created: now, del: utcMillis(o.DeliveredAt)}
		if !o.CreatedAt.IsZero() {
			r.created = o.CreatedAt.UTC().Truncate(time.Millisecond)
		}
		r.next = r.created
		if !o.NextAt.IsZero() {
			r.next = o.NextAt.UTC().Truncate(time.Millisecond)
		}
		if r.body == nil {
			r.body = []byte{} // nil would be NULL
		}
		var err error
		if r.headers, err = encodeHeaders(o.Headers); err != nil {
			return nil, err
		}
		rows[i] = r
	}
	return rows, nil
}

// commitOutRows writes the stored values back to the messages.
func commitOutRows(rows []outRow) {
	for _, r := range rows {
		r.o.ID, r.o.Status, r.o.CreatedAt, r.o.NextAt, r.o.DeliveredAt = r.id, r.status, r.created, r.next, r.del
	}
}

func (db *DB) outboxInsertSQL() string {
	if db.d.QuestionMarks {
		return outboxInsert
	}
	return outboxInsertReturning
}

// insertOutbound inserts rows with ins (outboxInsertSQL, prepared on the
// write pool) in tx, setting their IDs.
func (db *DB) insertOutbound(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, rows []outRow) error {
	if len(rows) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, ins)
	for i := range rows {
		r, o := &rows[i], rows[i].o
		args := []any{o.RequestID, o.BridgeID, o.Kind, o.TargetID, r.body, r.headers, o.URL,
			o.Attempts, millis(r.next), r.status, o.LastError, millis(r.created), millis(r.del)}
		if db.d.QuestionMarks {
			res, err := st.ExecContext(ctx, args...)
			if err != nil {
				return err
			}
			if r.id, err = res.LastInsertId(); err != nil {
				return err
			}
		} else if err := st.QueryRowContext(ctx, args...).Scan(&r.id); err != nil {
			return err
		}
	}
	return nil
}

// ClaimDue returns up to limit PENDING messages due at now, by due time and
// then ID, leased until leaseUntil: their NextAt, as stored and returned,
// is leaseUntil.
func (db *DB) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*gateway.Outbound, error) {
	if limit <= 0 {
		return nil, nil
	}
	nowMS, leaseMS := millis(now), millis(leaseUntil)
	if db.d.Locking {
		return db.claimLocked(ctx, nowMS, leaseMS, limit)
	}
	st, err := db.writeStmts(ctx, claimSelect, claimLease)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim due: %w", err)
	}
	var out []*gateway.Outbound
	err = db.Transact(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.StmtContext(ctx, st[0]).QueryContext(ctx, nowMS, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOutbound(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(out) == 0 {
			return nil
		}
		res, err := tx.StmtContext(ctx, st[1]).ExecContext(ctx, leaseMS, nowMS, limit)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != int64(len(out)) {
			return fmt.Errorf("leased %d messages of %d claimed", n, len(out))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim due: %w", err)
	}
	lease := fromMillis(leaseMS)
	for _, o := range out {
		o.NextAt = lease
	}
	return out, nil
}

// claimLocked is ClaimDue on PostgreSQL: one statement, so one transaction
// and one round trip.
func (db *DB) claimLocked(ctx context.Context, nowMS, leaseMS int64, limit int) ([]*gateway.Outbound, error) {
	st, err := db.writeStmt(ctx, claimLocked)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim due: %w", err)
	}
	rows, err := st.QueryContext(ctx, nowMS, limit, leaseMS)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim due: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		due int64
		o   *gateway.Outbound
	}
	var cs []claimed
	for rows.Next() {
		var c claimed
		o, err := scanOutboundAfter(rows, &c.due)
		if err != nil {
			return nil, fmt.Errorf("sqldb: claim due: %w", err)
		}
		c.o = o
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: claim due: %w", err)
	}
	// RETURNING comes in no particular order.
	slices.SortFunc(cs, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.o.ID, b.o.ID))
	})
	out := make([]*gateway.Outbound, len(cs))
	for i, c := range cs {
		out[i] = c.o
	}
	return out, nil
}

// MarkDelivered records that message id was delivered at at (now if zero).
// ENOTFOUND if there is no such message.
func (db *DB) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	return db.markOutbound(ctx, "mark delivered", markDelivered, id, millis(orNow(at)))
}

// MarkDeliveredBatch records that messages ids were delivered at at (now
// if zero), in one transaction; IDs of no message are skipped. It shares
// the transaction of the Accept batch being gathered, if any (group
// commit): under load, recording deliveries then costs no commit of its
// own on the single writer. On PostgreSQL the marks are one statement with
// the IDs as an array; on SQLite, where a statement costs no round trip,
// one UPDATE per ID.
func (db *DB) MarkDeliveredBatch(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	a := &accepting{marks: ids, markedAt: millis(orNow(at)), done: make(chan error, 1)}
	if err := db.accepts.accept(ctx, db, a); err != nil {
		return fmt.Errorf("sqldb: mark delivered: %w", err)
	}
	return nil
}

// markDeliveredQuery is MarkDeliveredBatch's statement: for all IDs at
// once on PostgreSQL, for one on SQLite.
func (db *DB) markDeliveredQuery() string {
	if db.d.Name == "postgres" {
		return markDeliveredAny
	}
	return markDelivered
}

// markDeliveredTx runs MarkDeliveredBatch's statement st (prepared
// markDeliveredQuery) in tx.
func (db *DB) markDeliveredTx(ctx context.Context, tx *sql.Tx, st *sql.Stmt, ids []int64, atMS int64) error {
	s := tx.StmtContext(ctx, st)
	if db.d.Name == "postgres" {
		_, err := s.ExecContext(ctx, ids, atMS)
		return err
	}
	for _, id := range ids {
		if _, err := s.ExecContext(ctx, id, atMS); err != nil {
			return err
		}
	}
	return nil
}

// MarkRetry records a failed attempt of message id that is to be retried at
// nextAt; it stays PENDING. ENOTFOUND if there is no such message.
func (db *DB) MarkRetry(ctx context.Context, id int64, attempts int, nextAt time.Time, lastError string) error {
	return db.markOutbound(ctx, "mark retry", markRetry, id, attempts, millis(nextAt), lastError)
}

// MarkDead parks message id as DEAD after its last attempt. ENOTFOUND if
// there is no such message.
func (db *DB) MarkDead(ctx context.Context, id int64, attempts int, lastError string) error {
	return db.markOutbound(ctx, "mark dead", markDead, id, attempts, lastError)
}

// markOutbound runs one of the Mark statements, prepared on the write pool.
func (db *DB) markOutbound(ctx context.Context, op, query string, args ...any) error {
	st, err := db.writeStmt(ctx, query)
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqldb: %s: %w", op, err)
	} else if n == 0 {
		return errOutboundNotFound
	}
	return nil
}

// Outbound returns message id; ENOTFOUND if there is none.
func (db *DB) Outbound(ctx context.Context, id int64) (*gateway.Outbound, error) {
	o, err := scanOutbound(db.queryRow(ctx, outboxSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errOutboundNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: outbound: %w", err)
	}
	return o, nil
}

// OutboundByStatus lists up to limit messages with the status and an ID
// below before (any ID if before is 0), newest (highest ID) first.
func (db *DB) OutboundByStatus(ctx context.Context, status string, before int64, limit int) ([]*gateway.Outbound, error) {
	if limit <= 0 {
		return nil, nil
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	st, err := db.prepared(ctx, outboxSelect+" WHERE status = $1 AND id < $2 ORDER BY id DESC LIMIT $3")
	if err != nil {
		return nil, fmt.Errorf("sqldb: outbound by status: %w", err)
	}
	rows, err := st.QueryContext(ctx, status, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: outbound by status: %w", err)
	}
	defer rows.Close()
	var out []*gateway.Outbound
	for rows.Next() {
		o, err := scanOutbound(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: outbound by status: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: outbound by status: %w", err)
	}
	return out, nil
}

// Replay makes DEAD message id PENDING again, due at now (the current time
// if zero), with no attempts; LastError is kept for the operator.
// ENOTFOUND if there is no such message, ECONFLICT if it is not DEAD.
func (db *DB) Replay(ctx context.Context, id int64, now time.Time) error {
	st, err := db.writeStmt(ctx, replayDead)
	if err != nil {
		return fmt.Errorf("sqldb: replay: %w", err)
	}
	res, err := st.ExecContext(ctx, id, millis(orNow(now)))
	if err != nil {
		return fmt.Errorf("sqldb: replay: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqldb: replay: %w", err)
	} else if n == 1 {
		return nil
	}
	// Nothing replayed: say why. (Read after the fact, so not atomic with
	// the UPDATE; it only chooses the error.)
	var status string
	err = db.queryRow(ctx, "SELECT status FROM gateway_outbox WHERE id = $1", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return errOutboundNotFound
	} else if err != nil {
		return fmt.Errorf("sqldb: replay: %w", err)
	}
	return errOutboundNotDead
}

// OutboundCounts counts messages by status; PENDING, DELIVERED and DEAD are
// always present, zero if none.
func (db *DB) OutboundCounts(ctx context.Context) (map[string]int, error) {
	st, err := db.prepared(ctx, "SELECT status, COUNT(*) FROM gateway_outbox GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("sqldb: outbound counts: %w", err)
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqldb: outbound counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{gateway.OutPending: 0, gateway.OutDelivered: 0, gateway.OutDead: 0}
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("sqldb: outbound counts: %w", err)
		}
		out[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: outbound counts: %w", err)
	}
	return out, nil
}

// scanOutbound reads a row of outboxColumns.
func scanOutbound(s rowScanner) (*gateway.Outbound, error) {
	return scanOutboundAfter(s)
}

// scanOutboundAfter reads a row of the columns before, then outboxColumns.
func scanOutboundAfter(s rowScanner, before ...any) (*gateway.Outbound, error) {
	var (
		o                        gateway.Outbound
		headers                  string
		next, created, delivered int64
	)
	dest := append(before, &o.ID, &o.RequestID, &o.BridgeID, &o.Kind, &o.TargetID, &o.Body, &headers, &o.URL,
		&o.Attempts, &next, &o.Status, &o.LastError, &created, &delivered)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if len(o.Body) == 0 {
		o.Body = nil
	}
	o.NextAt, o.CreatedAt, o.DeliveredAt = fromMillis(next), fromMillis(created), fromMillis(delivered)
	var err error
	if o.Headers, err = decodeHeaders(headers); err != nil {
		return nil, fmt.Errorf("decode headers: %w", err)
	}
	return &o, nil
}

// encodeHeaders stores h as a JSON object; nil and empty are "{}".
func encodeHeaders(h map[string]string) (string, error) {
	if len(h) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode headers: %w", err)
	}
	return string(b), nil
}

// decodeHeaders reads what encodeHeaders stored; "{}" is nil.
func decodeHeaders(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var h map[string]string
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, nil
	}
	return h, nil
}

// On PostgreSQL a batch is written with one statement per table rather
// than one per row: each statement is a round trip, parsed and planned by
// the server, so three INSERTs per message cost more than the commit they
// share. The rows go as arrays, unnested: the inbox rows first (those that
// come back were new; the rest are repeats), then the consent requests of
// the new messages, then their outbound rows, with IDs taken from the
// sequence beforehand so that each message gets its own.
var (
	pgInboxInsert = "INSERT INTO gateway_inbox (bridge_id, request_id, kind, version, received_at)" +
		" SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])" +
		" ON CONFLICT (bridge_id, request_id) DO NOTHING RETURNING bridge_id, request_id"
	pgConsentInsert = "INSERT INTO consent_requests (" + strings.Join(consentColumns, ", ") + ")" +
		" SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])"
	pgOutboxIDs    = "SELECT nextval(pg_get_serial_sequence('gateway_outbox', 'id')) FROM generate_series(1, $1)"
	pgOutboxInsert = "INSERT INTO gateway_outbox (" + strings.Join(outboxColumns, ", ") + ")" +
		" SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[], $8::text[]," +
		" $9::int[], $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bigint[])"
)

// acceptTxArrays is acceptWriter on PostgreSQL.
func (db *DB) acceptTxArrays(ctx context.Context, batch []*accepting) (func(*sql.Tx) error, error) {
	st, err := db.writeStmts(ctx, pgInboxInsert, pgConsentInsert, pgOutboxIDs, pgOutboxInsert)
	if err != nil {
		return nil, fmt.Errorf("sqldb: accept: %w", err)
	}
	return func(tx *sql.Tx) error {
		// The inbox rows, each request ID once.
		first := make(map[inboxKey]*accepting, len(batch))
		var bridges, requests, kinds, versions []string
		var received []int64
		for _, a := range batch {
			k := inboxKey{a.in.BridgeID, a.in.RequestID}
			a.dup = true // until its row comes back
			if first[k] != nil {
				continue
			}
			first[k] = a
			bridges, requests, kinds, versions = append(bridges, k.bridge), append(requests, k.request), append(kinds, a.in.Kind), append(versions, a.in.Version)
			received = append(received, millis(a.received))
		}
		rows, err := tx.StmtContext(ctx, st[0]).QueryContext(ctx, bridges, requests, kinds, versions, received)
		if err != nil {
			return fmt.Errorf("sqldb: accept: %w", err)
		}
		var fresh []*accepting
		for rows.Next() {
			var k inboxKey
			if err := rows.Scan(&k.bridge, &k.request); err != nil {
				rows.Close()
				return fmt.Errorf("sqldb: accept: %w", err)
			}
			if a := first[k]; a != nil && a.dup {
				a.dup = false
				fresh = append(fresh, a)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqldb: accept: %w", err)
		}
		rows.Close()
		if len(fresh) == 0 {
			return nil
		}
		// In the order the messages came.
		slices.SortFunc(fresh, func(x, y *accepting) int { return cmp.Compare(x.seq, y.seq) })

		// Their consent requests.
		var c consentArrays
		for _, a := range fresh {
			for _, r := range a.crows {
				c.add(r)
			}
		}
		if len(c.ids) > 0 {
			if _, err := tx.StmtContext(ctx, st[1]).ExecContext(ctx, c.ids, c.statuses, c.patients, c.hius, c.hips, c.bridges,
				c.purposes, c.bodies, c.created, c.updated); err != nil {
				return fmt.Errorf("sqldb: accept: insert consent requests: %w", err)
			}
		}
		// The rest of their effects, message by message.
		for _, a := range fresh {
			if err := db.acceptEffects(ctx, tx, a); err != nil {
				return err
			}
		}
		// Their outbound messages.
		n := 0
		for _, a := range fresh {
			n += len(a.rows)
		}
		if n == 0 {
			return nil
		}
		ids := make([]int64, 0, n)
		idRows, err := tx.StmtContext(ctx, st[2]).QueryContext(ctx, n)
		if err != nil {
			return fmt.Errorf("sqldb: accept: %w", err)
		}
		for idRows.Next() {
			var id int64
			if err := idRows.Scan(&id); err != nil {
				idRows.Close()
				return fmt.Errorf("sqldb: accept: %w", err)
			}
			ids = append(ids, id)
		}
		if err := idRows.Err(); err != nil {
			return fmt.Errorf("sqldb: accept: %w", err)
		}
		idRows.Close()
		if len(ids) != n {
			return fmt.Errorf("sqldb: accept: %d outbound IDs for %d messages", len(ids), n)
		}
		slices.Sort(ids)
		var o outArrays
		for _, a := range fresh {
			for i := range a.rows {
				a.rows[i].id = ids[0]
				ids = ids[1:]
				o.add(&a.rows[i])
			}
		}
		if _, err := tx.StmtContext(ctx, st[3]).ExecContext(ctx, o.ids, o.requests, o.bridges, o.kinds, o.targets, o.bodies,
			o.headers, o.urls, o.attempts, o.next, o.statuses, o.errors, o.created, o.delivered); err != nil {
			return fmt.Errorf("sqldb: accept: insert outbound: %w", err)
		}
		return nil
	}, nil
}

// consentArrays are consent rows by column, for pgConsentInsert.
type consentArrays struct {
	ids, statuses, patients, hius, bridges, purposes, bodies []string
	hips                                                     []*string
	created, updated                                         []int64
}

func (c *consentArrays) add(row consentRow) {
	r := row.r
	var hip *string
	if s, ok := row.hipID.(string); ok {
		hip = &s
	}
	c.ids, c.statuses, c.patients, c.hius = append(c.ids, r.ID), append(c.statuses, row.status), append(c.patients, r.Patient), append(c.hius, r.HIU.ID)
	c.hips, c.bridges, c.purposes, c.bodies = append(c.hips, hip), append(c.bridges, r.BridgeID), append(c.purposes, r.Purpose.Code), append(c.bodies, row.body)
	c.created, c.updated = append(c.created, millis(row.created)), append(c.updated, millis(row.updated))
}

// outArrays are outbound rows by column, for pgOutboxInsert.
type outArrays struct {
	ids                                                                []int64
	requests, bridges, kinds, targets, headers, urls, statuses, errors []string
	bodies                                                             [][]byte
	attempts                                                           []int32
	next, created, delivered                                           []int64
}

func (o *outArrays) add(r *outRow) {
	m := r.o
	o.ids, o.requests, o.bridges, o.kinds = append(o.ids, r.id), append(o.requests, m.RequestID), append(o.bridges, m.BridgeID), append(o.kinds, m.Kind)
	o.targets, o.bodies, o.headers, o.urls = append(o.targets, m.TargetID), append(o.bodies, r.body), append(o.headers, r.headers), append(o.urls, m.URL)
	o.attempts, o.next, o.statuses, o.errors = append(o.attempts, int32(m.Attempts)), append(o.next, millis(r.next)), append(o.statuses, r.status), append(o.errors, m.LastError)
	o.created, o.delivered = append(o.created, millis(r.created)), append(o.delivered, millis(r.del))
}
