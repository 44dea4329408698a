package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
	"github.com/arogya-health/arogya/internal/gateway"
)

var _ gateway.SubscriptionStore = (*DB)(nil)

// Subscriptions (consent_subscriptions, gateway.SubscriptionStore). A new
// request is inserted by Accept, with the HIU's message; the person's
// decision and the HIU's notice are one transaction (DecideSubscription).
//
// The columns hold what is queried or changed: status, patient, the IDs,
// and expires_at, the end of the last granted source, so that the lookup
// every link and new-data notice makes (LiveSubscriptions) skips ended
// grants in the index. The request and the grant are JSON with their own
// field names, so renaming a Go field changes nothing stored.

const subscriptionColumns = "id, subscription_id, status, patient, hiu_id, bridge_id, request, grants, expires_at, granted_at, created_at, updated_at"

var (
	errSubscriptionNotFound = arogya.Errorf(arogya.ENOTFOUND, "Subscription request not found.")
	errSubscriptionInvalid  = arogya.Errorf(arogya.EINVALID, "Subscription request needs an ID.")
)

// subscriptionRequest is the JSON in consent_subscriptions.request.
type subscriptionRequest struct {
	Purpose    consent.Purpose  `json:"purpose"`
	HIUName    string           `json:"hiuName,omitempty"`
	HIPs       []consent.OrgRef `json:"hips,omitempty"`
	Categories []string         `json:"categories"`
	From       int64            `json:"from"`
	To         int64            `json:"to"`
}

// subscriptionGrant is the JSON in consent_subscriptions.grants.
type subscriptionGrant struct {
	AllHIPs  bool                 `json:"allHips,omitempty"`
	Sources  []subscriptionSource `json:"sources,omitempty"`
	Excluded []string             `json:"excluded,omitempty"`
}

type subscriptionSource struct {
	HIP        string   `json:"hip,omitempty"`
	Categories []string `json:"categories"`
	HITypes    []string `json:"hiTypes"`
	From       int64    `json:"from"`
	To         int64    `json:"to"`
}

func subscriptionJSON(s *consent.Subscription) (request, grant string, err error) {
	req, err := json.Marshal(subscriptionRequest{Purpose: s.Purpose, HIUName: s.HIU.Name, HIPs: s.HIPs, Categories: s.Categories,
		From: millis(s.Period.From), To: millis(s.Period.To)})
	if err != nil {
		return "", "", err
	}
	g := subscriptionGrant{AllHIPs: s.AllHIPs, Excluded: s.Excluded}
	for _, src := range s.Sources {
		g.Sources = append(g.Sources, subscriptionSource{HIP: src.HIP, Categories: src.Categories, HITypes: src.HITypes,
			From: millis(src.From), To: millis(src.To)})
	}
	gr, err := json.Marshal(g)
	if err != nil {
		return "", "", err
	}
	return string(req), string(gr), nil
}

func scanSubscription(row rowScanner) (*consent.Subscription, error) {
	var (
		s                                  consent.Subscription
		req, gr                            string
		expires, granted, created, updated int64
		r                                  subscriptionRequest
		g                                  subscriptionGrant
	)
	err := row.Scan(&s.ID, &s.SubscriptionID, &s.Status, &s.Patient, &s.HIU.ID, &s.BridgeID, &req, &gr, &expires, &granted, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSubscriptionNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: subscription: %w", err)
	}
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		return nil, fmt.Errorf("sqldb: subscription: %w", err)
	}
	if err := json.Unmarshal([]byte(gr), &g); err != nil {
		return nil, fmt.Errorf("sqldb: subscription: %w", err)
	}
	s.Purpose, s.HIU.Name, s.HIPs, s.Categories = r.Purpose, r.HIUName, r.HIPs, r.Categories
	s.Period = consent.DateRange{From: fromMillis(r.From), To: fromMillis(r.To)}
	s.AllHIPs, s.Excluded = g.AllHIPs, g.Excluded
	for _, src := range g.Sources {
		s.Sources = append(s.Sources, consent.SubscriptionSource{HIP: src.HIP, Categories: src.Categories, HITypes: src.HITypes,
			From: fromMillis(src.From), To: fromMillis(src.To)})
	}
	s.GrantedAt, s.CreatedAt, s.UpdatedAt = fromMillis(granted), fromMillis(created), fromMillis(updated)
	return &s, nil
}

// applySubscriptions inserts the new subscription requests of an inbound
// message (subscription-requests/cm/init) in tx. A request's empty Status
// is REQUESTED, its zero CreatedAt now and its zero UpdatedAt CreatedAt;
// they are written back. An ID already stored (a UUID collision) fails it.
func applySubscriptions(ctx context.Context, tx *sql.Tx, eff *gateway.Effects) error {
	for _, s := range eff.Subscriptions {
		if s.ID == "" {
			return errSubscriptionInvalid
		}
		if s.Status == "" {
			s.Status = consent.StatusRequested
		}
		s.CreatedAt = orNow(s.CreatedAt)
		if s.UpdatedAt.IsZero() {
			s.UpdatedAt = s.CreatedAt
		}
		s.UpdatedAt = utcMillis(s.UpdatedAt)
		req, gr, err := subscriptionJSON(s)
		if err != nil {
			return fmt.Errorf("subscription: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO consent_subscriptions ("+subscriptionColumns+
			") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
			s.ID, s.SubscriptionID, s.Status, s.Patient, s.HIU.ID, s.BridgeID, req, gr, millis(s.Expires()), millis(utcMillis(s.GrantedAt)),
			millis(s.CreatedAt), millis(s.UpdatedAt)); err != nil {
			return fmt.Errorf("subscription: %w", err)
		}
	}
	return nil
}

// Subscription returns the request with the ID, or the granted
// subscription with that subscription ID.
func (db *DB) Subscription(ctx context.Context, id string) (*consent.Subscription, error) {
	if id == "" {
		return nil, errSubscriptionNotFound // '' is every ungranted request's subscription_id
	}
	return scanSubscription(db.queryRow(ctx, "SELECT "+subscriptionColumns+" FROM consent_subscriptions WHERE id = $1"+
		" UNION ALL SELECT "+subscriptionColumns+" FROM consent_subscriptions WHERE subscription_id = $1 LIMIT 1", id))
}

// SubscriptionsByPatient lists the person's requests, with the status when
// st is not empty, newest first.
func (db *DB) SubscriptionsByPatient(ctx context.Context, patient, st string, limit, offset int) ([]*consent.Subscription, error) {
	return db.subscriptions(ctx, "subscriptions of a patient", "SELECT "+subscriptionColumns+" FROM consent_subscriptions"+
		" WHERE patient = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4", patient, st, limit, offset)
}

// LiveSubscriptions lists the person's GRANTED subscriptions whose last
// source ends at or after at.
func (db *DB) LiveSubscriptions(ctx context.Context, patient string, at time.Time) ([]*consent.Subscription, error) {
	return db.subscriptions(ctx, "live subscriptions", "SELECT "+subscriptionColumns+" FROM consent_subscriptions"+
		" WHERE patient = $1 AND status = $2 AND expires_at >= $3 ORDER BY created_at, id", patient, consent.StatusGranted, millis(at))
}

func (db *DB) subscriptions(ctx context.Context, op, query string, args ...any) ([]*consent.Subscription, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	defer rows.Close()
	var out []*consent.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", op, err)
	}
	return out, nil
}

// DecideSubscription writes s's status, subscription ID, grant and
// UpdatedAt if the row still has status from and updated_at prev, and
// enqueues out, in one transaction: a decision and the HIU's notice are
// committed together, and of two decisions racing only one is.
func (db *DB) DecideSubscription(ctx context.Context, s *consent.Subscription, from string, prev time.Time, out []*gateway.Outbound) error {
	_, gr, err := subscriptionJSON(s)
	if err != nil {
		return fmt.Errorf("sqldb: decide subscription: %w", err)
	}
	s.UpdatedAt = orNow(s.UpdatedAt)
	s.GrantedAt = utcMillis(s.GrantedAt)
	return db.withOutbound(ctx, "decide subscription", out, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE consent_subscriptions SET status = $1, subscription_id = $2, grants = $3, expires_at = $4,"+
			" granted_at = $5, updated_at = $6 WHERE id = $7 AND status = $8 AND updated_at = $9",
			s.Status, s.SubscriptionID, gr, millis(s.Expires()), millis(s.GrantedAt), millis(s.UpdatedAt), s.ID, from, millis(utcMillis(prev)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return nil
		}
		var cur string
		err = tx.QueryRowContext(ctx, "SELECT status FROM consent_subscriptions WHERE id = $1", s.ID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return errSubscriptionNotFound
		} else if err != nil {
			return err
		}
		return arogya.Errorf(arogya.ECONFLICT, "The subscription request changed meanwhile; it is %s.", cur)
	})
}

// ConsentedCareContexts lists the care contexts at the HIP named by the
// HIU's GRANTED artefacts for the person that are not erased by at, read
// from the artefacts' signed consentDetail.
func (db *DB) ConsentedCareContexts(ctx context.Context, patient, hiuID, hipID string, at time.Time) ([]consent.CareContextRef, error) {
	st, err := db.prepared(ctx, "SELECT detail FROM consent_artefacts WHERE patient = $1 AND hiu_id = $2 AND hip_id = $3 AND status = $4 AND erase_at > $5")
	if err != nil {
		return nil, fmt.Errorf("sqldb: consented care contexts: %w", err)
	}
	rows, err := st.QueryContext(ctx, patient, hiuID, hipID, consent.StatusGranted, millis(at))
	if err != nil {
		return nil, fmt.Errorf("sqldb: consented care contexts: %w", err)
	}
	defer rows.Close()
	var out []consent.CareContextRef
	for rows.Next() {
		var detail string
		if err := rows.Scan(&detail); err != nil {
			return nil, fmt.Errorf("sqldb: consented care contexts: %w", err)
		}
		var d struct {
			CareContexts []consent.CareContextRef `json:"careContexts"`
		}
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return nil, fmt.Errorf("sqldb: consented care contexts: %w", err)
		}
		out = append(out, d.CareContexts...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: consented care contexts: %w", err)
	}
	return out, nil
}
