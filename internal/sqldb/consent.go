package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/consent"
)

var _ consent.Store = (*DB)(nil)

// Consent requests (consent_requests). They are inserted by Accept, in the
// transaction of the gateway message that makes them, so the consent
// manager's table shares a database with the gateway's inbox.
//
// The columns hold what later flows query or change; body holds the rest
// as JSON (consentBody), with its own field names, so that renaming a Go
// field changes nothing stored. Permission times are stored, like every
// other time, as unix milliseconds. Empty lists are not stored and read
// back as nil.

// consentColumns lists consent_requests' columns in the order
// scanConsentRequest reads them and the INSERT writes them.
var consentColumns = []string{"id", "status", "patient", "hiu_id", "hip_id", "bridge_id", "purpose_code",
	"body", "created_at", "updated_at"}

var (
	consentSelect = "SELECT " + strings.Join(consentColumns, ", ") + " FROM consent_requests"
	// consentInsert is the INSERT on SQLite (anonymous placeholders, see
	// Dialect.QuestionMarks), consentInsertNumbered on PostgreSQL. No ON
	// CONFLICT: a duplicate ID is a UUID collision, and fails Accept.
	consentInsert = "INSERT INTO consent_requests (" + strings.Join(consentColumns, ", ") +
		") VALUES (" + strings.Repeat("?, ", len(consentColumns)-1) + "?)"
	consentInsertNumbered = "INSERT INTO consent_requests (" + strings.Join(consentColumns, ", ") +
		") VALUES (" + placeholders(1, len(consentColumns)) + ")"
)

var (
	errConsentNotFound = arogya.Errorf(arogya.ENOTFOUND, "Consent request not found.")
	errConsentInvalid  = arogya.Errorf(arogya.EINVALID, "Consent request needs an ID.")
)

// consentBody is the JSON in consent_requests.body.
type consentBody struct {
	PurposeText   string                   `json:"purposeText,omitempty"`
	PurposeRefURI string                   `json:"purposeRefUri,omitempty"`
	HIPName       string                   `json:"hipName,omitempty"` // only with hip_id
	HIUName       string                   `json:"hiuName,omitempty"`
	CareContexts  []consent.CareContextRef `json:"careContexts,omitempty"`
	Requester     consent.Requester        `json:"requester"`
	HITypes       []string                 `json:"hiTypes,omitempty"`
	Permission    consentPermission        `json:"permission"`
}

// consentPermission is consent.Permission with unix-millisecond times.
type consentPermission struct {
	AccessMode  string            `json:"accessMode"`
	From        int64             `json:"from"`
	To          int64             `json:"to"`
	DataEraseAt int64             `json:"dataEraseAt"`
	Frequency   consent.Frequency `json:"frequency"`
}

// consentRow is a consent request to insert, with the values it is stored
// with.
type consentRow struct {
	r                 *consent.Request
	status            string
	hipID             any // nil (NULL) without an HIP
	body              string
	created, updated  time.Time
	from, to, eraseAt time.Time
}

// newConsentRows prepares rs for insertion: a request's empty Status is
// REQUESTED, its zero CreatedAt now and its zero UpdatedAt CreatedAt.
func newConsentRows(rs []*consent.Request, now time.Time) ([]consentRow, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	rows := make([]consentRow, len(rs))
	for i, r := range rs {
		if r == nil || r.ID == "" {
			return nil, errConsentInvalid
		}
		p := r.Permission
		row := consentRow{r: r, status: cmp.Or(r.Status, consent.StatusRequested), created: now,
			from: utcMillis(p.DateRange.From), to: utcMillis(p.DateRange.To), eraseAt: utcMillis(p.DataEraseAt)}
		if !r.CreatedAt.IsZero() {
			row.created = utcMillis(r.CreatedAt)
		}
		row.updated = row.created
		if !r.UpdatedAt.IsZero() {
			row.updated = utcMillis(r.UpdatedAt)
		}
		b := consentBody{PurposeText: r.Purpose.Text, PurposeRefURI: r.Purpose.RefURI, HIUName: r.HIU.Name,
			CareContexts: r.CareContexts, Requester: r.Requester, HITypes: r.HITypes,
			Permission: consentPermission{AccessMode: p.AccessMode, From: millis(row.from), To: millis(row.to),
				DataEraseAt: millis(row.eraseAt), Frequency: p.Frequency}}
		if r.HIP != nil {
			row.hipID, b.HIPName = r.HIP.ID, r.HIP.Name
		}
		body, err := json.Marshal(&b)
		if err != nil {
			return nil, fmt.Errorf("encode consent request: %w", err)
		}
		row.body = string(body)
		rows[i] = row
	}
	return rows, nil
}

// commitConsentRows writes the stored values back to the requests.
func commitConsentRows(rows []consentRow) {
	for _, row := range rows {
		r := row.r
		r.Status, r.CreatedAt, r.UpdatedAt = row.status, row.created, row.updated
		r.Permission.DateRange.From, r.Permission.DateRange.To, r.Permission.DataEraseAt = row.from, row.to, row.eraseAt
	}
}

func (db *DB) consentInsertSQL() string {
	if db.d.QuestionMarks {
		return consentInsert
	}
	return consentInsertNumbered
}

// insertConsent inserts rows with ins (consentInsertSQL, prepared on the
// write pool) in tx. A duplicate ID is an error, not ECONFLICT: Accept's
// ECONFLICT means a duplicate inbound message.
func insertConsent(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, rows []consentRow) error {
	st := tx.StmtContext(ctx, ins)
	for _, row := range rows {
		r := row.r
		if _, err := st.ExecContext(ctx, r.ID, row.status, r.Patient, r.HIU.ID, row.hipID, r.BridgeID,
			r.Purpose.Code, row.body, millis(row.created), millis(row.updated)); err != nil {
			return fmt.Errorf("insert consent request: %w", err)
		}
	}
	return nil
}

// ConsentRequest returns consent request id; ENOTFOUND if there is none.
func (db *DB) ConsentRequest(ctx context.Context, id string) (*consent.Request, error) {
	r, err := scanConsentRequest(db.queryRow(ctx, consentSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errConsentNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqldb: consent request: %w", err)
	}
	return r, nil
}

// scanConsentRequest reads a row of consentColumns.
func scanConsentRequest(s rowScanner) (*consent.Request, error) {
	var (
		r                consent.Request
		hipID            sql.NullString
		body             []byte
		created, updated int64
	)
	if err := s.Scan(&r.ID, &r.Status, &r.Patient, &r.HIU.ID, &hipID, &r.BridgeID, &r.Purpose.Code,
		&body, &created, &updated); err != nil {
		return nil, err
	}
	var b consentBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("decode consent request: %w", err)
	}
	r.Purpose.Text, r.Purpose.RefURI, r.HIU.Name = b.PurposeText, b.PurposeRefURI, b.HIUName
	if hipID.Valid {
		r.HIP = &consent.OrgRef{ID: hipID.String, Name: b.HIPName}
	}
	r.CareContexts, r.Requester, r.HITypes = b.CareContexts, b.Requester, b.HITypes
	p := b.Permission
	r.Permission = consent.Permission{AccessMode: p.AccessMode,
		DateRange:   consent.DateRange{From: fromMillis(p.From), To: fromMillis(p.To)},
		DataEraseAt: fromMillis(p.DataEraseAt), Frequency: p.Frequency}
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &r, nil
}
