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
)

// The HIP and the HIU each keep durable jobs (hip_jobs, hiu_jobs) and their
// bridge's credentials (hip_bridge, hiu_bridge) in tables of one shape,
// apart by design so that a role may later have a database of its own. The
// SQL on those tables is written once, here; hip_protocol.go and hiu.go
// declare each role's tables (hipJobs, hiuJobs, hipBridge, hiuBridge) and
// keep the exported methods of hip.Store and hiu.Store.

// jobFields is the shape hip.Job and hiu.Job share, field for field, so
// either converts to it and back: a role that adds a field to its Job stops
// the build here instead of silently not storing it.
type jobFields = struct {
	ID, Kind, FacilityID, Path string
	Body                       []byte
	Status                     string
	Attempts                   int
	NextAt                     time.Time
	LastError                  string
	CreatedAt                  time.Time
}

// roleJob is a role's job type: hip.Job or hiu.Job.
type roleJob interface{ ~jobFields }

// A job's statuses, spelt as hip.JobPending … and hiu.JobPending … are
// (jobs_test.go checks) and as the SQL below compares them.
const (
	jobPending = "PENDING"
	jobDone    = "DONE"
	jobDead    = "DEAD"
)

// jobColumns are the columns a job is written and read by, in jobFields'
// order.
const jobColumns = "id, kind, facility_id, path, body, status, attempts, next_at, last_error, created_at"

// maxJobError bounds the last error kept with a failed job.
const maxJobError = 500

// jobTable is one role's job table. Its SQL is built once, from constants,
// when the role declares the table: no statement takes a name from input,
// and get's query, prepared and cached by its text, stays one string.
type jobTable[J roleJob] struct {
	role     string // "hip" or "hiu", as error messages name it
	notFound error  // get's error for an unknown ID

	insertSQL, getSQL, retrySQL, finishSQL, purgeSQL string
	// claimPick and claimRest are claim's query before and after its
	// extra condition.
	claimPick, claimRest string
}

// newJobTable declares table (a constant) as role's job table. purgeWhere
// selects the jobs purge forgets, $1 being its cut-off time: the roles keep
// different jobs, so each says which (see hipJobs and hiuJobs).
func newJobTable[J roleJob](table, role string, notFound error, purgeWhere string) *jobTable[J] {
	return &jobTable[J]{
		role:     role,
		notFound: notFound,
		insertSQL: "INSERT INTO " + table + " (" + jobColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" +
			" ON CONFLICT (id) DO NOTHING",
		// The lease condition is repeated in the UPDATE's own WHERE so
		// that, on PostgreSQL, a node that loses the race for a row
		// re-checks it and skips it.
		claimPick: "UPDATE " + table + " SET lease_until = $1 WHERE id IN (" +
			"SELECT id FROM " + table + " WHERE status = 'PENDING' AND next_at <= $2 AND lease_until <= $2",
		claimRest: " ORDER BY next_at LIMIT $3) AND status = 'PENDING' AND lease_until <= $2 RETURNING " + jobColumns,
		getSQL:    "SELECT " + jobColumns + " FROM " + table + " WHERE id = $1",
		retrySQL:  "UPDATE " + table + " SET status = $1, attempts = $2, next_at = $3, lease_until = 0, last_error = $4 WHERE id = $5",
		finishSQL: "UPDATE " + table + " SET status = $1, lease_until = 0, done_at = $2 WHERE id = $3",
		purgeSQL:  "DELETE FROM " + table + " WHERE " + purgeWhere,
	}
}

// insert stores, through q, the jobs whose IDs are new, as PENDING, and
// says how many were: a redelivered callback's job is a no-op. It runs in
// the caller's transaction, so effects can start jobs atomically.
func (t *jobTable[J]) insert(ctx context.Context, q querier, jobs []*J) (int, error) {
	added := 0
	for _, job := range jobs {
		j := jobFields(*job)
		res, err := q.ExecContext(ctx, t.insertSQL, j.ID, j.Kind, j.FacilityID, j.Path, j.Body, jobPending, j.Attempts,
			millis(j.NextAt), j.LastError, millis(j.CreatedAt))
		if err != nil {
			return added, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return added, err
		} else if n == 1 {
			added++
		}
	}
	return added, nil
}

// add stores the jobs whose IDs are new in a transaction of its own.
func (t *jobTable[J]) add(ctx context.Context, db *DB, jobs []*J) (int, error) {
	var added int
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = t.insert(ctx, tx, jobs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqldb: add %s jobs: %w", t.role, err)
	}
	return added, nil
}

// scanJob reads a row of jobColumns.
func scanJob(row rowScanner) (jobFields, error) {
	var j jobFields
	var next, created int64
	if err := row.Scan(&j.ID, &j.Kind, &j.FacilityID, &j.Path, &j.Body, &j.Status, &j.Attempts, &next, &j.LastError, &created); err != nil {
		return jobFields{}, err
	}
	j.NextAt, j.CreatedAt = fromMillis(next), fromMillis(created)
	return j, nil
}

// claim leases up to limit pending jobs due at now until leaseUntil and
// returns them by due time, then ID. and is an extra condition on the
// jobs, a constant such as " AND kind = $4" (the HIP claims its transfers
// apart), with args as its parameters from $4; "" for none.
func (t *jobTable[J]) claim(ctx context.Context, db *DB, now, leaseUntil time.Time, limit int, and string, args ...any) ([]*J, error) {
	query := t.claimPick + and + t.claimRest
	args = append([]any{millis(leaseUntil), millis(now), limit}, args...)
	var claimed []jobFields
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			claimed = append(claimed, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim %s jobs: %w", t.role, err)
	}
	// RETURNING keeps no order.
	slices.SortFunc(claimed, func(a, b jobFields) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), strings.Compare(a.ID, b.ID))
	})
	var out []*J
	for _, j := range claimed {
		job := J(j)
		out = append(out, &job)
	}
	return out, nil
}

// get returns a job; the table's notFound error if absent.
func (t *jobTable[J]) get(ctx context.Context, db *DB, id string) (*J, error) {
	j, err := scanJob(db.queryRow(ctx, t.getSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, t.notFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: %s job: %w", t.role, err)
	}
	job := J(j)
	return &job, nil
}

// retry records a failed attempt: the job is due again at next, or DEAD
// when dead; either way its lease ends.
func (t *jobTable[J]) retry(ctx context.Context, db *DB, id string, attempts int, next time.Time, lastError string, dead bool) error {
	status := jobPending
	if dead {
		status = jobDead
	}
	if len(lastError) > maxJobError {
		lastError = lastError[:maxJobError]
	}
	_, err := db.write.ExecContext(ctx, t.retrySQL, status, attempts, millis(next), lastError, id)
	if err != nil {
		return fmt.Errorf("sqldb: retry %s job: %w", t.role, err)
	}
	return nil
}

// finish runs apply, which writes the role's effects of the job, and marks
// the job done, in one transaction, so a job's effects are written once. A
// domain error of apply (the HIP's stale link request) reaches the caller
// as it is, other errors wrapped; the HIU's effects return no domain
// error, so its finish wraps every error.
func (t *jobTable[J]) finish(ctx context.Context, db *DB, id string, at time.Time, apply func(tx *sql.Tx) error) error {
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		if err := apply(tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, t.finishSQL, jobDone, millis(at), id)
		return err
	})
	if e := (*arogya.Error)(nil); errors.As(err, &e) {
		return err
	} else if err != nil {
		return fmt.Errorf("sqldb: finish %s job: %w", t.role, err)
	}
	return nil
}

// purge deletes, through q (the caller's purge transaction), the jobs the
// table's purgeWhere selects before before, and says how many.
func (t *jobTable[J]) purge(ctx context.Context, q querier, before time.Time) (int64, error) {
	return affected(q.ExecContext(ctx, t.purgeSQL, millis(before)))
}

// bridgeFields is the shape hip.BridgeCreds and hiu.BridgeCreds share.
type bridgeFields = struct {
	ID, ClientID string
	Secret       []byte
	GatewayURL   string
	CreatedAt    time.Time
}

// roleBridge is a role's bridge credentials type.
type roleBridge interface{ ~bridgeFields }

// bridgeRow is a role's one row of bridge credentials. Its SQL is built
// once from the table's name, a constant.
type bridgeRow[B roleBridge] struct {
	role     string // "hip" or "hiu", as error messages name it
	notFound error  // get's error when there is no bridge yet

	getSQL, deleteSQL, insertSQL string
}

// newBridgeRow declares table (a constant) as role's bridge table.
func newBridgeRow[B roleBridge](table, role string, notFound error) *bridgeRow[B] {
	return &bridgeRow[B]{
		role:      role,
		notFound:  notFound,
		getSQL:    "SELECT id, client_id, secret, gateway_url, created_at FROM " + table + " ORDER BY created_at DESC LIMIT 1",
		deleteSQL: "DELETE FROM " + table,
		insertSQL: "INSERT INTO " + table + " (id, client_id, secret, gateway_url, created_at) VALUES ($1, $2, $3, $4, $5)",
	}
}

// get returns the bridge; notFound if there is none.
func (r *bridgeRow[B]) get(ctx context.Context, db *DB) (*B, error) {
	var b bridgeFields
	var at int64
	err := db.queryRow(ctx, r.getSQL).Scan(&b.ID, &b.ClientID, &b.Secret, &b.GatewayURL, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.notFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: %s bridge: %w", r.role, err)
	}
	b.CreatedAt = fromMillis(at)
	creds := B(b)
	return &creds, nil
}

// put stores creds as the role's only bridge, replacing any other.
func (r *bridgeRow[B]) put(ctx context.Context, db *DB, creds *B) error {
	b := bridgeFields(*creds)
	err := db.Transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, r.deleteSQL); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, r.insertSQL, b.ID, b.ClientID, b.Secret, b.GatewayURL, millis(b.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqldb: put %s bridge: %w", r.role, err)
	}
	return nil
}
