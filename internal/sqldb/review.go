package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

// reviewData is the stored JSON form of the parts of abha.Review that are
// not columns.
type reviewData struct {
	Candidate candidateData `json:"candidate"`
	Matches   []string      `json:"matches,omitempty"`
	Score     float64       `json:"score"`
}

// candidateData is the stored JSON form of a review's candidate account.
type candidateData struct {
	Number       string   `json:"number,omitempty"`
	FirstName    string   `json:"firstName,omitempty"`
	MiddleName   string   `json:"middleName,omitempty"`
	LastName     string   `json:"lastName,omitempty"`
	Gender       string   `json:"gender,omitempty"`
	BirthDate    string   `json:"birthDate,omitempty"`
	Mobile       string   `json:"mobile,omitempty"`
	Email        string   `json:"email,omitempty"`
	AddressLine  string   `json:"addressLine,omitempty"`
	StateCode    string   `json:"stateCode,omitempty"`
	DistrictCode string   `json:"districtCode,omitempty"`
	PinCode      string   `json:"pinCode,omitempty"`
	AadhaarKey   string   `json:"aadhaarKey,omitempty"`
	DocumentKey  string   `json:"documentKey,omitempty"`
	KYCVerified  bool     `json:"kycVerified,omitempty"`
	Type         string   `json:"type,omitempty"`
	Status       string   `json:"status,omitempty"`
	PasswordHash string   `json:"passwordHash,omitempty"`
	NameKey      string   `json:"nameKey,omitempty"`
	Preferred    string   `json:"preferred,omitempty"`
	Addresses    []string `json:"addresses,omitempty"`
	CreatedAt    int64    `json:"createdAt,omitempty"`
	UpdatedAt    int64    `json:"updatedAt,omitempty"`
}

func toCandidate(a *abha.Account) candidateData {
	return candidateData{
		Number: a.Number, FirstName: a.FirstName, MiddleName: a.MiddleName, LastName: a.LastName,
		Gender: a.Gender, BirthDate: a.BirthDate, Mobile: a.Mobile, Email: a.Email,
		AddressLine: a.AddressLine, StateCode: a.StateCode, DistrictCode: a.DistrictCode,
		PinCode: a.PinCode, AadhaarKey: a.AadhaarKey, DocumentKey: a.DocumentKey,
		KYCVerified: a.KYCVerified, Type: a.Type, Status: a.Status, PasswordHash: a.PasswordHash,
		NameKey: a.NameKey, Preferred: a.Preferred, Addresses: a.Addresses,
		CreatedAt: millis(a.CreatedAt), UpdatedAt: millis(a.UpdatedAt),
	}
}

func (c candidateData) account() abha.Account {
	return abha.Account{
		Number: c.Number, FirstName: c.FirstName, MiddleName: c.MiddleName, LastName: c.LastName,
		Gender: c.Gender, BirthDate: c.BirthDate, Mobile: c.Mobile, Email: c.Email,
		AddressLine: c.AddressLine, StateCode: c.StateCode, DistrictCode: c.DistrictCode,
		PinCode: c.PinCode, AadhaarKey: c.AadhaarKey, DocumentKey: c.DocumentKey,
		KYCVerified: c.KYCVerified, Type: c.Type, Status: c.Status, PasswordHash: c.PasswordHash,
		NameKey: c.NameKey, Preferred: c.Preferred, Addresses: c.Addresses,
		CreatedAt: fromMillis(c.CreatedAt), UpdatedAt: fromMillis(c.UpdatedAt),
	}
}

var errReviewNotFound = arogya.Errorf(arogya.ENOTFOUND, "Review not found.")

// PutReview inserts the review or replaces the one with the same ID. A zero
// CreatedAt becomes now.
func (db *DB) PutReview(ctx context.Context, r *abha.Review) error {
	r.CreatedAt = orNow(r.CreatedAt)
	data, err := json.Marshal(reviewData{Candidate: toCandidate(&r.Candidate), Matches: r.Matches, Score: r.Score})
	if err != nil {
		return fmt.Errorf("sqldb: put review: %w", err)
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO abha_reviews (id, status, created_at, decided_at, data)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at,
		decided_at = excluded.decided_at, data = excluded.data`,
		r.ID, r.Status, millis(r.CreatedAt), millis(r.DecidedAt), string(data))
	if err != nil {
		return fmt.Errorf("sqldb: put review: %w", err)
	}
	return nil
}

const reviewSelect = "SELECT id, status, created_at, decided_at, data FROM abha_reviews"

func scanReview(s scanner) (*abha.Review, error) {
	var (
		r                    abha.Review
		createdAt, decidedAt int64
		data                 string
		d                    reviewData
	)
	if err := s.Scan(&r.ID, &r.Status, &createdAt, &decidedAt, &data); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	r.Candidate, r.Matches, r.Score = d.Candidate.account(), d.Matches, d.Score
	r.CreatedAt, r.DecidedAt = fromMillis(createdAt), fromMillis(decidedAt)
	return &r, nil
}

// Review returns the review with that ID.
func (db *DB) Review(ctx context.Context, id string) (*abha.Review, error) {
	r, err := scanReview(db.read.QueryRowContext(ctx, reviewSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errReviewNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: review: %w", err)
	}
	return r, nil
}

// Reviews returns up to limit reviews in that status (any status if
// status is empty), oldest first.
func (db *DB) Reviews(ctx context.Context, status string, limit int) ([]*abha.Review, error) {
	if limit <= 0 {
		return nil, nil
	}
	query, args := reviewSelect+" WHERE status = $1 ORDER BY created_at, id LIMIT $2", []any{status, limit}
	if status == "" {
		query, args = reviewSelect+" ORDER BY created_at, id LIMIT $1", []any{limit}
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: reviews: %w", err)
	}
	defer rows.Close()
	var out []*abha.Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: reviews: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: reviews: %w", err)
	}
	return out, nil
}
