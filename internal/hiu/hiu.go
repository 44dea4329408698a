// Package hiu is the HIU side of ABDM: the facilities a node serves as
// Health Information User, the consent requests their clinicians make, the
// consent artefacts granted to them, the health-information requests made
// under those artefacts, and the records the HIPs push, decrypted,
// validated and kept (sealed under the facility's data key) until the
// artefact's dataEraseAt, when they are erased.
//
// It talks to the consent manager only through the gateway over HTTP
// (Bridge), and takes the HIPs' data pushes at its dataPushUrl,
// <public URL>/hiu/v0.5/health-information/transfer.
package hiu

import (
	"context"
	"time"
)

// Facility is a verified facility of the registry this node serves as HIU.
type Facility struct {
	ID      string
	Name    string
	DataKey []byte // the facility's data key, sealed under the node's master key
	AddedAt time.Time
}

// Statuses of a consent request, as the HIU sees it.
const (
	RequestPending   = "PENDING"   // consent-requests/init sent, on-init not yet come
	RequestRequested = "REQUESTED" // the CM took it; the person decides
	RequestGranted   = "GRANTED"
	RequestDenied    = "DENIED"
	RequestExpired   = "EXPIRED"
	RequestErrored   = "ERRORED" // the CM refused it (Error says why)
)

// ConsentRequest is a consent request a clinician of a facility made.
type ConsentRequest struct {
	ID          string // this node's ID: the requestId of consent-requests/init
	CMID        string // the consent manager's consentRequest.id, once on-init came
	FacilityID  string
	Patient     string // the person's ABHA address
	HIPID       string // the HIP asked for, or ""
	Purpose     string
	HITypes     []string
	From, To    time.Time // the date range of records asked for
	EraseAt     time.Time // dataEraseAt asked for
	Requester   string    // the clinician's HPR number
	Status      string
	Error       string // the CM's refusal, if any
	ArtefactIDs []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Statuses of an artefact copy; besides GRANTED, REVOKED and EXPIRED.
const (
	ArtefactFetching = "FETCHING" // told of by consents/hiu/notify, consents/fetch sent
	ArtefactInvalid  = "INVALID"  // fetched, but its signature or contents did not check
)

// Context is a care context an artefact covers.
type Context struct {
	PatientRef string `json:"patientReference"`
	ContextRef string `json:"careContextReference"`
}

// Artefact is the HIU's copy of a consent artefact granted to a facility.
type Artefact struct {
	ID               string
	ConsentRequestID string // this node's consent request ID
	FacilityID       string
	Status           string
	Patient          string // ABHA address
	HIPID            string
	HIPName          string
	HITypes          []string
	Contexts         []Context
	From, To         time.Time
	EraseAt          time.Time // permission.dataEraseAt: the data received goes then
	UpdatedAt        time.Time
}

// Statuses of a transfer (a health-information request and its pushes).
const (
	TransferRequested = "REQUESTED" // health-information/cm/request sent
	TransferAccepted  = "ACKNOWLEDGED"
	TransferDone      = "TRANSFERRED" // every page came
	TransferFailed    = "FAILED"
	TransferExpired   = "EXPIRED" // pages stopped coming; its key is gone
)

// Transfer is a health-information request made under an artefact, with
// the Fidelius key that decrypts what is pushed for it.
type Transfer struct {
	ID            string // the requestId of health-information/cm/request
	TransactionID string // the CM's, from on-request (or the first page)
	ConsentID     string
	FacilityID    string
	HIPID         string
	From, To      time.Time
	PrivateKey    []byte // the Fidelius private key, sealed; nil once the transfer ends
	Nonce         string // base64 of the HIU's nonce
	KeyExpiresAt  time.Time
	Status        string
	Error         string
	PageCount     int
	Pages         []int             // page numbers received
	Results       map[string]string // care context reference → OK or ERRORED
	Records       int               // records stored
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Record is one FHIR bundle received and kept.
type Record struct {
	ID            string
	FacilityID    string
	ConsentID     string
	TransactionID string
	Patient       string // ABHA address of the artefact
	HIPID         string
	HIPName       string
	ContextRef    string
	HIType        string
	Title         string    // the Composition's title, or the HI type's name
	Date          time.Time // Composition.date
	SHA256        string    // of the bundle as received
	Sealed        []byte    // the bundle, AES-256-GCM under the facility's data key
	EraseAt       time.Time
	CreatedAt     time.Time
}

// Find is a patients/find and its answer.
type Find struct {
	ID          string // the requestId of patients/find
	FacilityID  string
	Query       string // the ABHA address asked for
	Status      string // PENDING, FOUND, NOT_FOUND
	PatientID   string
	PatientName string
	CreatedAt   time.Time
}

// BridgeCreds are the client credentials of this node's HIU bridge.
type BridgeCreds struct {
	ID         string
	ClientID   string
	Secret     []byte // sealed under the node's bridge key
	GatewayURL string
	CreatedAt  time.Time
}

// Kinds of job.
const (
	JobInbound = "inbound" // a callback of the gateway, to handle
	JobSend    = "send"    // a message to POST to the gateway
)

// Statuses of a job.
const (
	JobPending = "PENDING"
	JobDone    = "DONE"
	JobDead    = "DEAD"
)

// Job is durable work, written before it is acknowledged and done by the
// bridge's worker with retries.
type Job struct {
	ID         string // "in:"+requestId for a callback, "out:"+requestId for a message
	Kind       string
	FacilityID string
	Path       string // a callback's kind under /v0.5/, or the gateway path "/v0.5/…"
	Body       []byte
	Status     string
	Attempts   int
	NextAt     time.Time
	LastError  string
	CreatedAt  time.Time
}

// Effects are state changes written in one transaction, with the jobs
// they start.
type Effects struct {
	ConsentRequest *ConsentRequest // inserted or replaced
	Artefacts      []*Artefact     // inserted or replaced
	Transfer       *Transfer       // inserted or replaced
	// TransferWas, when set, is Transfer as it was read: Transfer then
	// replaces the stored row only if that still has its transaction,
	// status and pages, and nothing is written otherwise (ECONFLICT). Two
	// nodes taking two pages of one transfer side by side would each
	// write the transfer with only its own page added, and it would wait
	// for the lost one until its key expired.
	TransferWas *Transfer
	Records     []*Record // inserted
	Find        *Find     // inserted or replaced
	Jobs        []*Job    // inserted unless their ID is stored
}

// Erased counts what an erasure deleted.
type Erased struct {
	Records   int64
	Artefacts int64
	Keys      int64
}

// Store keeps the HIU's data. Errors carry arogya codes (ENOTFOUND,
// ECONFLICT).
type Store interface {
	AddHIUAPIKey(ctx context.Context, k *APIKey) error
	HIUAPIKey(ctx context.Context, id string) (*APIKey, error) // ENOTFOUND if absent
	AddHIUFacility(ctx context.Context, f *Facility) error
	HIUFacility(ctx context.Context, id string) (*Facility, error)
	HIUFacilities(ctx context.Context) ([]*Facility, error)

	HIUBridge(ctx context.Context) (*BridgeCreds, error)
	PutHIUBridge(ctx context.Context, b *BridgeCreds) error

	// AddHIUJobs stores new jobs; one whose ID is stored is left alone.
	AddHIUJobs(ctx context.Context, jobs ...*Job) (added int, err error)
	// ClaimHIUJobs leases up to limit pending jobs due at now until
	// leaseUntil, oldest due first.
	ClaimHIUJobs(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Job, error)
	// FinishHIUJob writes fx and marks the job done, in one transaction.
	FinishHIUJob(ctx context.Context, id string, at time.Time, fx *Effects) error
	RetryHIUJob(ctx context.Context, id string, attempts int, next time.Time, lastError string, dead bool) error
	HIUJob(ctx context.Context, id string) (*Job, error)
	// ApplyHIU writes fx in one transaction.
	ApplyHIU(ctx context.Context, fx *Effects) error

	// HIUConsentRequest returns a consent request by this node's ID or
	// the CM's.
	HIUConsentRequest(ctx context.Context, id string) (*ConsentRequest, error)
	// HIUConsentRequests lists a facility's, newest first, at most limit;
	// patient "" means everyone's.
	HIUConsentRequests(ctx context.Context, facilityID, patient string, limit int) ([]*ConsentRequest, error)
	HIUArtefact(ctx context.Context, id string) (*Artefact, error)
	// HIUArtefacts lists a facility's artefacts, of one consent request
	// if consentRequestID is not "", newest first.
	HIUArtefacts(ctx context.Context, facilityID, consentRequestID string) ([]*Artefact, error)
	// HIUTransfer returns a transfer by its ID or its transaction ID.
	HIUTransfer(ctx context.Context, id string) (*Transfer, error)
	// HIUTransfers lists the transfers under a consent artefact, newest
	// first, at most limit.
	HIUTransfers(ctx context.Context, consentID string, limit int) ([]*Transfer, error)
	// HIUUnboundTransfers lists transfers still REQUESTED with no
	// transaction ID, made since since, newest first, at most limit.
	HIUUnboundTransfers(ctx context.Context, since time.Time, limit int) ([]*Transfer, error)
	HIUFind(ctx context.Context, id string) (*Find, error)

	// HIURecords lists a facility's records (sealed), of a patient and/or
	// a consent when not "", by date, newest first.
	HIURecords(ctx context.Context, facilityID, patient, consentID string) ([]*Record, error)
	HIURecord(ctx context.Context, id string) (*Record, error)

	// EraseHIUDue deletes, at now: records and artefact copies whose
	// erase time has passed, and the keys of transfers that ended or
	// whose key expired (their status becoming EXPIRED if unfinished).
	EraseHIUDue(ctx context.Context, now time.Time) (Erased, error)
	// EraseHIUConsent deletes the records received under an artefact and
	// the keys of its transfers, and sets the artefact's status (REVOKED
	// or EXPIRED), its contents cleared.
	EraseHIUConsent(ctx context.Context, consentID, status string, at time.Time) (Erased, error)
	// PurgeHIU forgets finished jobs and finds made before before.
	PurgeHIU(ctx context.Context, before time.Time) (int64, error)

	StaffStore
}

// Statuses of a Find.
const (
	FindPending  = "PENDING"
	FindFound    = "FOUND"
	FindNotFound = "NOT_FOUND"
)
