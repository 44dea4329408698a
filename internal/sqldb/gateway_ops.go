package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/arogya-health/arogya/internal/gateway"
)

var _ gateway.OpsStore = (*DB)(nil)

// The operator's views of the gateway (gateway.OpsStore): reads only, on
// the read pool.
//
// gateway_outbox has no index on created_at, and is never pruned yet, so
// a window "created at or after since" is not found by scanning the table.
// IDs ascend in insertion order and created_at nearly so (a message's
// created_at is taken just before the transaction that inserts it), so the
// window's first ID is found by a binary search over the primary key, a
// few dozen point reads (outboxIDSince), and the window's rows are then a
// range of the primary key or of gateway_outbox_status (status, id). The
// search looks for outboxSlack before since, so a row inserted after a
// younger one still falls inside the range; the created_at condition on the
// range keeps the count exact.
//
// gateway_inbox has no index on received_at and no ascending key, so the
// inbound count scans it: the caller bounds it with a deadline
// (gateway.Ops.InboundBudget). An index on received_at, which the inbox's
// janitor will want too, would make it a range scan.

// outboxSlack is how much older than a younger row's a row's created_at
// may be and still sort after it by ID.
const outboxSlack = time.Minute

// outboxIDSince returns an ID such that every message created at or after
// since (less outboxSlack) has an ID at least as large, or 0 if the outbox
// is empty. It assumes created_at ascends with the ID within outboxSlack.
func (db *DB) outboxIDSince(ctx context.Context, since time.Time) (int64, error) {
	var lo, hi sql.NullInt64
	if err := db.queryRow(ctx, "SELECT MIN(id), MAX(id) FROM gateway_outbox").Scan(&lo, &hi); err != nil {
		return 0, err
	}
	if !lo.Valid {
		return 0, nil
	}
	cut := millis(since.Add(-outboxSlack))
	st, err := db.prepared(ctx, "SELECT id, created_at FROM gateway_outbox WHERE id >= $1 ORDER BY id LIMIT 1")
	if err != nil {
		return 0, err
	}
	// Invariant: rows below lo are older than cut; the row at or after hi
	// is not (or hi is past the last row).
	l, h := lo.Int64, hi.Int64+1
	for l < h {
		mid := l + (h-l)/2
		var id, created int64
		if err := st.QueryRowContext(ctx, mid).Scan(&id, &created); err != nil {
			return 0, err // mid ≤ MAX(id), so a row exists
		}
		if created < cut {
			l = id + 1
		} else {
			h = mid
		}
	}
	return l, nil
}

// OutboundTraffic counts outbound messages created at or after since by
// kind and status, and in Recent those created at or after recent.
func (db *DB) OutboundTraffic(ctx context.Context, since, recent time.Time) ([]gateway.TrafficCount, error) {
	from, err := db.outboxIDSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("sqldb: outbound traffic: %w", err)
	}
	return db.trafficCounts(ctx, "outbound traffic",
		"SELECT kind, status, COUNT(*), SUM(CASE WHEN created_at >= $3 THEN 1 ELSE 0 END) FROM gateway_outbox"+
			" WHERE id >= $1 AND created_at >= $2 GROUP BY kind, status",
		true, from, millis(since), millis(recent))
}

// InboundTraffic counts inbound messages received at or after since by
// kind, and in Recent those received at or after recent. It scans
// gateway_inbox; bound it with ctx.
func (db *DB) InboundTraffic(ctx context.Context, since, recent time.Time) ([]gateway.TrafficCount, error) {
	return db.trafficCounts(ctx, "inbound traffic",
		"SELECT kind, COUNT(*), SUM(CASE WHEN received_at >= $2 THEN 1 ELSE 0 END) FROM gateway_inbox"+
			" WHERE received_at >= $1 GROUP BY kind",
		false, millis(since), millis(recent))
}

// trafficCounts runs a count query whose rows are kind, [status,] count,
// recent count.
func (db *DB) trafficCounts(ctx context.Context, op, query string, status bool, args ...any) ([]gateway.TrafficCount, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	defer rows.Close()
	var out []gateway.TrafficCount
	for rows.Next() {
		var c gateway.TrafficCount
		dest := []any{&c.Kind, &c.N, &c.Recent}
		if status {
			dest = []any{&c.Kind, &c.Status, &c.N, &c.Recent}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqldb: %s: %w", op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	return out, nil
}

// DeliveryLatencies returns delivered_at - created_at of at most limit
// DELIVERED messages created at or after since, the latest (highest ID)
// first: a backward walk of gateway_outbox_status that stops at limit.
func (db *DB) DeliveryLatencies(ctx context.Context, since time.Time, limit int) ([]gateway.Latency, error) {
	if limit <= 0 {
		return nil, nil
	}
	from, err := db.outboxIDSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("sqldb: delivery latencies: %w", err)
	}
	st, err := db.prepared(ctx, "SELECT kind, delivered_at - created_at FROM gateway_outbox"+
		" WHERE status = 'DELIVERED' AND id >= $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3")
	if err != nil {
		return nil, fmt.Errorf("sqldb: delivery latencies: %w", err)
	}
	rows, err := st.QueryContext(ctx, from, millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqldb: delivery latencies: %w", err)
	}
	defer rows.Close()
	var out []gateway.Latency
	for rows.Next() {
		var (
			l  gateway.Latency
			ms int64
		)
		if err := rows.Scan(&l.Kind, &ms); err != nil {
			return nil, fmt.Errorf("sqldb: delivery latencies: %w", err)
		}
		l.D = time.Duration(max(ms, 0)) * time.Millisecond
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: delivery latencies: %w", err)
	}
	return out, nil
}

// CountOutbound counts the outbound messages with the status: a range of
// gateway_outbox_status.
func (db *DB) CountOutbound(ctx context.Context, status string) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM gateway_outbox WHERE status = $1", status).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqldb: count outbound: %w", err)
	}
	return n, nil
}

// AllServices lists every bridge's services by bridge ID, then ID.
func (db *DB) AllServices(ctx context.Context) ([]*gateway.HIService, error) {
	rows, err := db.read.QueryContext(ctx, serviceSelect+" ORDER BY bridge_id, id")
	if err != nil {
		return nil, fmt.Errorf("sqldb: all services: %w", err)
	}
	defer rows.Close()
	var out []*gateway.HIService
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: all services: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: all services: %w", err)
	}
	return out, nil
}

// consentCountQueries count each consent table by status and the first
// four characters of the facility ID that places a row in a state ("IN28"
// of IN2810014366): the HIU's for requests (a request need not name a
// HIP), the HIP's for artefacts and flows. Nothing about the person is
// read. Each is a scan of its table (of consent_artefacts_expiry and
// consent_flows_status where the planner prefers them).
var consentCountQueries = []struct{ of, query string }{
	{gateway.CountRequests, "SELECT status, SUBSTR(hiu_id, 1, 4), COUNT(*) FROM consent_requests GROUP BY status, SUBSTR(hiu_id, 1, 4)"},
	{gateway.CountArtefacts, "SELECT status, SUBSTR(hip_id, 1, 4), COUNT(*) FROM consent_artefacts GROUP BY status, SUBSTR(hip_id, 1, 4)"},
	{gateway.CountFlows, "SELECT status, SUBSTR(hip_id, 1, 4), COUNT(*) FROM consent_flows GROUP BY status, SUBSTR(hip_id, 1, 4)"},
}

// ConsentCounts counts consent requests, artefacts and flows by status and
// by the state code in their facility's ID (gateway.StateOfFacility), by
// what is counted, then status, then state.
func (db *DB) ConsentCounts(ctx context.Context) ([]gateway.ConsentCount, error) {
	type key struct{ of, status, state string }
	sums := map[key]int{}
	for _, q := range consentCountQueries {
		st, err := db.prepared(ctx, q.query)
		if err != nil {
			return nil, fmt.Errorf("sqldb: consent counts: %w", err)
		}
		if err := func() error {
			rows, err := st.QueryContext(ctx)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var (
					status string
					prefix sql.NullString
					n      int
				)
				if err := rows.Scan(&status, &prefix, &n); err != nil {
					return err
				}
				sums[key{q.of, status, gateway.StateOfFacility(prefix.String)}] += n
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("sqldb: consent counts: %w", err)
		}
	}
	out := make([]gateway.ConsentCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, gateway.ConsentCount{Of: k.of, Status: k.status, State: k.state, N: n})
	}
	slices.SortFunc(out, func(a, b gateway.ConsentCount) int {
		return cmp.Or(cmp.Compare(a.Of, b.Of), cmp.Compare(a.Status, b.Status), cmp.Compare(a.State, b.State))
	})
	return out, nil
}
