package hip

import (
	"context"
	"time"
)

// The HIP side of the protocol keeps its state in the types below: the
// node's bridge at the gateway, durable jobs, discoveries, links waiting
// for an OTP, links made, and copies of consent artefacts.

// BridgeCreds are the client credentials of this node's HIP bridge.
type BridgeCreds struct {
	ID         string // the bridge's ID at the gateway
	ClientID   string
	Secret     []byte // the client secret, sealed under the node's bridge key
	GatewayURL string // the gateway's v0.5 base, e.g. https://cm.example/gateway
	CreatedAt  time.Time
}

// Kinds of job.
const (
	JobInbound  = "inbound"  // a callback the gateway sent, to handle
	JobSend     = "send"     // a message to POST to the gateway
	JobTransfer = "transfer" // the encrypted push of a health-information request
	JobLink     = "link"     // HIP-initiated linking of a new care context
)

// Statuses of a job.
const (
	JobPending = "PENDING"
	JobDone    = "DONE"
	JobDead    = "DEAD"
)

// Job is a unit of durable work: written before it is acknowledged, done
// by a worker with retries.
type Job struct {
	ID         string // an inbound job's ID is "in:" + the message's requestId
	Kind       string
	FacilityID string
	// Path is, for an inbound job, the message's path under /v0.5/ (its
	// kind), or its v3 path on the bridge ("/api/v3/…"); for a send job the
	// gateway path: "/v0.5/…" under the v0.5 base, or protocol.V3Base+"/…"
	// for a v3 message, under the v3 base.
	Path      string
	Body      []byte
	Status    string
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
}

// Discovery is what a care-contexts/discover matched, kept by its
// transactionId for the link/init that follows.
type Discovery struct {
	TransactionID string
	FacilityID    string
	ABHAAddress   string
	PatientRef    string
	ContextRefs   []string // the care contexts offered
	Mobile        string   // the mobile the consent manager verified, if it sent one
	CreatedAt     time.Time
}

// LinkRequest is a link waiting for the OTP sent to the person.
type LinkRequest struct {
	Ref           string // the linkRefNumber
	FacilityID    string
	TransactionID string
	ABHAAddress   string
	PatientRef    string
	ContextRefs   []string
	OTPHash       []byte // auth.HashOTP under the node's OTP key, bound to Ref
	ExpiresAt     time.Time
	Tries         int // wrong OTPs so far
	Version       int // 1 when new; an update must name the stored version + 1
	CreatedAt     time.Time
}

// Link is a care context linked to an ABHA address.
type Link struct {
	FacilityID  string
	ContextRef  string
	ABHAAddress string
	PatientRef  string
	ByHIP       bool // linked on the HIP's initiative
	LinkedAt    time.Time
}

// ConsentContext is a care context a consent artefact covers.
type ConsentContext struct {
	PatientRef string `json:"patientReference"`
	ContextRef string `json:"careContextReference"`
}

// Consent is the HIP's copy of a consent artefact. A REVOKED or EXPIRED
// one is a tombstone: its contents are gone, its status refuses requests.
type Consent struct {
	ID          string
	FacilityID  string
	Status      string // GRANTED, REVOKED or EXPIRED
	ABHAAddress string
	HIUID       string
	Contexts    []ConsentContext
	HITypes     []string
	From, To    time.Time // the date range of the records it covers
	EraseAt     time.Time // permission.dataEraseAt
	ExpiresAt   time.Time // the consent's end: dataEraseAt
	UpdatedAt   time.Time
}

// Effects are the state changes of one finished job, written in one
// transaction with the jobs it starts and its own end.
type Effects struct {
	Discovery   *Discovery
	LinkRequest *LinkRequest // inserted when Version is 1, else updated if the stored version is Version-1
	DropLink    string       // a link request to delete, by reference
	Links       []*Link
	Consent     *Consent    // inserted or replaced
	LinkSteps   []*LinkStep // inserted, or their status updated
	Jobs        []*Job
	// LinkToken is a v3 link token to keep, replacing any of its facility
	// and ABHA address; DropLinkToken names one to forget (its Sealed is
	// not read). A token both names is replaced.
	LinkToken     *LinkToken
	DropLinkToken *LinkToken
}

// LinkToken is a v3 link token the gateway gave for a person
// (generate-token, or a profile share), kept per facility and ABHA
// address and reused for the person's later visits while it is valid.
// It is a credential: sealed at rest, never logged.
type LinkToken struct {
	FacilityID  string
	ABHAAddress string
	Sealed      []byte // the token, sealed under the bridge's token key, bound to the facility and address
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// LinkStep is a message of HIP-initiated linking, kept by its requestId
// so that its answer finds the care context being linked.
type LinkStep struct {
	RequestID   string
	Step        string // the message's kind: users/auth/init, users/auth/confirm, links/link/add-contexts, links/context/notify; v3/token/generate-token
	FacilityID  string
	ContextRef  string
	ABHAAddress string
	Status      string // SENT, DONE or FAILED; EXPIRED for a v3 carecontext whose stored link token was refused (a fresh one is asked for)
	CreatedAt   time.Time
}

// ProtocolStore keeps the HIP side of the protocol.
type ProtocolStore interface {
	// HIPBridge returns the node's bridge credentials; ENOTFOUND if none.
	HIPBridge(ctx context.Context) (*BridgeCreds, error)
	// PutHIPBridge stores them, replacing any.
	PutHIPBridge(ctx context.Context, b *BridgeCreds) error

	// AddHIPJobs stores new jobs; a job whose ID is stored is left as it
	// is. added reports how many were new.
	AddHIPJobs(ctx context.Context, jobs ...*Job) (added int, err error)
	// ClaimHIPJobs leases up to limit pending jobs due at now until
	// leaseUntil, oldest due first; no other claim gets them meanwhile.
	// It claims transfer jobs only, or only the others: transfers, which
	// may be long, have a worker of their own.
	ClaimHIPJobs(ctx context.Context, now, leaseUntil time.Time, limit int, transfers bool) ([]*Job, error)
	// FinishHIPJob writes fx and marks the job done, in one transaction.
	// ECONFLICT if fx.LinkRequest's version is stale.
	FinishHIPJob(ctx context.Context, id string, at time.Time, fx *Effects) error
	// RetryHIPJob records a failed attempt: the job is due again at next,
	// or DEAD when dead.
	RetryHIPJob(ctx context.Context, id string, attempts int, next time.Time, lastError string, dead bool) error
	// HIPJob returns a job; ENOTFOUND if absent.
	HIPJob(ctx context.Context, id string) (*Job, error)
	// NextHIPToken returns the facility's next queue token of the day
	// (scan and share), from 1.
	NextHIPToken(ctx context.Context, facilityID, day string) (int, error)

	HIPDiscovery(ctx context.Context, transactionID string) (*Discovery, error)
	HIPLinkRequest(ctx context.Context, ref string) (*LinkRequest, error)
	// HIPLinks lists the links of a facility's care context.
	HIPLinks(ctx context.Context, facilityID, contextRef string) ([]*Link, error)
	HIPConsent(ctx context.Context, id string) (*Consent, error)
	// HIPLinkStep returns a step of HIP-initiated linking by the requestId
	// of its message; HIPLinkSteps lists a care context's, oldest first.
	HIPLinkStep(ctx context.Context, requestID string) (*LinkStep, error)
	HIPLinkSteps(ctx context.Context, facilityID, contextRef string) ([]*LinkStep, error)
	// HIPLinkToken returns the v3 link token kept for a person at a
	// facility; ENOTFOUND if none. Effects write and drop them.
	HIPLinkToken(ctx context.Context, facilityID, abhaAddress string) (*LinkToken, error)

	// PurgeHIP forgets what is no longer needed: jobs done before
	// doneBefore, discoveries made before that too, link requests and link
	// tokens expired at now; and it makes granted consents whose end has passed at now
	// tombstones (EXPIRED). It returns how many rows it changed.
	PurgeHIP(ctx context.Context, doneBefore, now time.Time) (int64, error)
}
