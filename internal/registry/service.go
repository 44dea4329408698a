package registry

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/auth"
)

// Auditor records audit events.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the service.
type Config struct {
	// Argon is the cost of hashing verifier keys; tests lower it.
	Argon auth.ArgonParams
	// FollowEvery is how often the search index polls the store for changes
	// made by other nodes. Zero means 2 s.
	FollowEvery time.Duration
	// Logger receives the index follower's errors. Nil means slog.Default.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service holds the registry's rules.
type Service struct {
	store Store
	audit Auditor
	index *Index
	cfg   Config

	mu           sync.Mutex // guards the follower's cursors
	facSeq       int64
	proSeq       int64
	drugSeq      int64
	ready        chan struct{}
	loadErr      error
	verifierKeys *auth.SecretCache // verifier keys that verified lately, to skip argon2 on every request
}

// NewService returns a service over store. Call Start before searching.
func NewService(store Store, auditor Auditor, cfg Config) *Service {
	if cfg.Argon == (auth.ArgonParams{}) {
		cfg.Argon = auth.DefaultArgon
	}
	if cfg.FollowEvery == 0 {
		cfg.FollowEvery = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		store: store, audit: auditor, index: NewIndex(), cfg: cfg,
		ready: make(chan struct{}), verifierKeys: &auth.SecretCache{Now: cfg.Now},
	}
}

// Index returns the service's search index (for benchmarks and stats).
func (s *Service) Index() *Index { return s.index }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Start loads the search index from the store, then follows the store's
// change feed every cfg.FollowEvery until ctx ends, so entries written by
// other nodes (or by `arogya import`) appear in search. It returns once
// the first load is done.
func (s *Service) Start(ctx context.Context) error {
	err := s.sync(ctx)
	s.loadErr = err
	close(s.ready)
	if err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(s.cfg.FollowEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.sync(ctx); err != nil && ctx.Err() == nil {
					s.cfg.Logger.Warn("registry: following the store's changes", "err", err)
				}
			}
		}
	}()
	return nil
}

// Ready reports whether the index has loaded.
func (s *Service) Ready() bool {
	select {
	case <-s.ready:
		return s.loadErr == nil
	default:
		return false
	}
}

// syncBatch is how many changed rows one poll of the change feed reads.
const syncBatch = 5000

// Sync brings the index up to date with the store now. Tests and the
// import command call it; the follower calls it on its own.
func (s *Service) Sync(ctx context.Context) error { return s.sync(ctx) }

func (s *Service) sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := follow(ctx, &s.facSeq, s.store.FacilitiesSince, s.index.PutFacilities, func(f *Facility) int64 { return f.Seq }); err != nil {
		return err
	}
	if err := follow(ctx, &s.proSeq, s.store.ProfessionalsSince, s.index.PutProfessionals, func(p *Professional) int64 { return p.Seq }); err != nil {
		return err
	}
	return follow(ctx, &s.drugSeq, s.store.DrugsSince, s.index.PutDrugs, func(d *Drug) int64 { return d.Seq })
}

// follow reads one change feed from *cursor to its end, batch by batch,
// puts each batch into the index and moves the cursor past it.
func follow[T any](ctx context.Context, cursor *int64, since func(context.Context, int64, int) ([]T, error), put func([]T), seq func(T) int64) error {
	for {
		batch, err := since(ctx, *cursor, syncBatch)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			put(batch)
			*cursor = seq(batch[len(batch)-1])
		}
		if len(batch) < syncBatch {
			return nil
		}
	}
}

// actorName is how history and audit events name who acted.
func actorName(ctx context.Context) string {
	a := arogya.ActorFrom(ctx)
	switch a.Kind {
	case arogya.ActorOperator:
		return "operator"
	case arogya.ActorVerifier:
		return "verifier:" + a.ID
	case arogya.ActorAnonymous:
		return "public"
	default:
		return string(a.Kind)
	}
}

func (s *Service) record(ctx context.Context, action string, kind Kind, id, outcome, detail string) error {
	return s.audit.Record(ctx, audit.Event{
		Actor: actorName(ctx), Action: action, Subject: string(kind) + ":" + id, Outcome: outcome, Detail: detail,
	})
}

// invalid turns field errors into the error the API reports.
func invalid(errs FieldErrors) error {
	return &ValidationError{Fields: errs}
}

// ValidationError is a submission that fails validation: an EINVALID
// error that also lists each field's problem.
type ValidationError struct {
	Fields FieldErrors
}

func (e *ValidationError) Error() string { return "registry: invalid: " + e.Fields.Error() }

// Unwrap lets arogya.ErrorCode see an EINVALID error.
func (e *ValidationError) Unwrap() error {
	return arogya.Errorf(arogya.EINVALID, "%d field(s) are invalid: %s", len(e.Fields), e.Fields.Error())
}

// idAttempts bounds retries when a random ID is taken.
const idAttempts = 5

// SubmitFacility validates f and stores it as PENDING under a new ID, for
// a verifier of its state to decide.
func (s *Service) SubmitFacility(ctx context.Context, f *Facility) (*Facility, error) {
	f.ID, f.Status, f.Reason, f.Seq = "", StatusPending, "", 0
	NormaliseFacility(f)
	if errs := ValidateFacility(f); errs != nil {
		return nil, invalid(errs)
	}
	now := s.now()
	f.Version, f.SubmittedAt, f.UpdatedAt = 1, now, now
	var err error
	for range idAttempts {
		f.ID = NewFacilityID(f.StateCode())
		h := HistoryEntry{Kind: KindFacility, ID: f.ID, At: now, Actor: actorName(ctx), Action: "submitted"}
		if err = s.store.CreateFacility(ctx, f, h); arogya.ErrorCode(err) != arogya.ECONFLICT {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return f, s.record(ctx, "registry.facility.submit", KindFacility, f.ID, "ok", "")
}

// SubmitProfessional validates p and stores it as PENDING under a new HPR
// number. ECONFLICT if the HPR address is taken.
func (s *Service) SubmitProfessional(ctx context.Context, p *Professional) (*Professional, error) {
	p.ID, p.Status, p.Reason, p.Seq = "", StatusPending, "", 0
	NormaliseProfessional(p)
	if errs := ValidateProfessional(p); errs != nil {
		return nil, invalid(errs)
	}
	if _, err := s.store.ProfessionalByHandle(ctx, p.Handle); err == nil {
		return nil, arogya.Errorf(arogya.ECONFLICT, "that HPR address is taken: choose another handle")
	} else if arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	now := s.now()
	p.Version, p.SubmittedAt, p.UpdatedAt = 1, now, now
	var err error
	for range idAttempts {
		p.ID = NewHPRID()
		h := HistoryEntry{Kind: KindProfessional, ID: p.ID, At: now, Actor: actorName(ctx), Action: "submitted"}
		err = s.store.CreateProfessional(ctx, p, h)
		if arogya.ErrorCode(err) != arogya.ECONFLICT {
			break
		}
		if _, e := s.store.ProfessionalByHandle(ctx, p.Handle); e == nil {
			return nil, arogya.Errorf(arogya.ECONFLICT, "that HPR address is taken: choose another handle")
		}
	}
	if err != nil {
		return nil, err
	}
	return p, s.record(ctx, "registry.professional.submit", KindProfessional, p.ID, "ok", "")
}

// privileged reports whether the actor in ctx may see and decide entries of
// the state: the operator for every state, a verifier for their own.
func (s *Service) privileged(ctx context.Context, stateCode string) (bool, error) {
	a := arogya.ActorFrom(ctx)
	switch a.Kind {
	case arogya.ActorOperator:
		return true, nil
	case arogya.ActorVerifier:
		v, err := s.store.Verifier(ctx, a.ID)
		if err != nil {
			if arogya.ErrorCode(err) == arogya.ENOTFOUND {
				return false, nil
			}
			return false, err
		}
		return !v.Disabled && v.StateCode == stateCode, nil
	}
	return false, nil
}

// Facility returns a facility. Entries not yet verified (or rejected) are
// visible only to the operator and verifiers of their state; to anyone
// else they do not exist.
func (s *Service) Facility(ctx context.Context, id string) (*Facility, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if !ValidFacilityID(id) {
		return nil, arogya.Errorf(arogya.EINVALID, "a facility ID is IN, a 2-digit state code and 8 digits")
	}
	f, err := s.store.Facility(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.Status != StatusVerified {
		if ok, err := s.privileged(ctx, f.StateCode()); err != nil {
			return nil, err
		} else if !ok {
			return nil, arogya.Errorf(arogya.ENOTFOUND, "no verified facility has that ID")
		}
	}
	return f, nil
}

// FacilityVerified reports whether id is a verified facility: what the
// exchange checks before a facility may act as HIP or HIU.
func (s *Service) FacilityVerified(ctx context.Context, id string) (bool, error) {
	f, err := s.store.Facility(ctx, strings.ToUpper(strings.TrimSpace(id)))
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return f.Status == StatusVerified, nil
}

// Professional returns a professional by HPR number (with or without
// hyphens) or HPR address. Contact details are shown only to the operator
// and verifiers of their state; unverified entries only to them.
func (s *Service) Professional(ctx context.Context, idOrAddress string) (*Professional, error) {
	v := strings.TrimSpace(idOrAddress)
	var (
		p   *Professional
		err error
	)
	if id := NormaliseHPRID(v); ValidHPRID(id) {
		p, err = s.store.Professional(ctx, id)
	} else if h := NormaliseHandle(v); ValidHandle(h) {
		p, err = s.store.ProfessionalByHandle(ctx, h)
	} else {
		return nil, arogya.Errorf(arogya.EINVALID, "give a 14-digit HPR number or an HPR address (handle@hpr.abdm)")
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.privileged(ctx, p.StateCode())
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.Status != StatusVerified {
			return nil, arogya.Errorf(arogya.ENOTFOUND, "no verified professional has that HPR number or address")
		}
		publicProfessional(p)
	}
	return p, nil
}

// publicProfessional removes what only the registry's administrators see.
func publicProfessional(p *Professional) {
	p.Phone, p.Email, p.Reason = "", "", ""
}

// Decision is a verifier's decision on an entry.
type Decision struct {
	Status Status // StatusVerified or StatusRejected
	Reason string // required to reject
}

func (d *Decision) check() error {
	d.Reason = strings.TrimSpace(d.Reason)
	switch d.Status {
	case StatusVerified:
	case StatusRejected:
		if n := utf8.RuneCountInString(d.Reason); n < 3 || n > 500 {
			return arogya.Errorf(arogya.EINVALID, "a rejection needs a reason of 3 to 500 characters")
		}
	default:
		return arogya.Errorf(arogya.EINVALID, "decision must be VERIFIED or REJECTED")
	}
	return nil
}

// mayDecide checks that the actor in ctx may decide entries of the state.
func (s *Service) mayDecide(ctx context.Context, stateCode string) error {
	a := arogya.ActorFrom(ctx)
	if a.Kind != arogya.ActorOperator && a.Kind != arogya.ActorVerifier {
		return arogya.Errorf(arogya.EUNAUTHORIZED, "sign in as a verifier to decide registry entries")
	}
	ok, err := s.privileged(ctx, stateCode)
	if err != nil {
		return err
	}
	if !ok {
		return arogya.Errorf(arogya.EFORBIDDEN, "only a verifier of the entry's own state (or the operator) may decide it")
	}
	return nil
}

// DecideFacility verifies or rejects a facility. A decision may be changed
// later (a verified facility may be struck off with a reason); repeating
// the current one is a conflict.
func (s *Service) DecideFacility(ctx context.Context, id string, d Decision) (*Facility, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	f, err := s.store.Facility(ctx, strings.ToUpper(strings.TrimSpace(id)))
	if err != nil {
		return nil, err
	}
	if err := s.mayDecide(ctx, f.StateCode()); err != nil {
		_ = s.record(ctx, "registry.facility.decide", KindFacility, f.ID, arogya.ErrorCode(err), string(d.Status))
		return nil, err
	}
	if f.Status == d.Status {
		return nil, arogya.Errorf(arogya.ECONFLICT, "the facility is already %s", d.Status)
	}
	f.Status, f.Reason = d.Status, d.Reason
	if d.Status == StatusVerified {
		f.Reason = ""
	}
	f.Version++
	f.UpdatedAt = s.now()
	h := HistoryEntry{Kind: KindFacility, ID: f.ID, At: f.UpdatedAt, Actor: actorName(ctx), Action: strings.ToLower(string(d.Status)), Reason: d.Reason}
	if err := s.store.UpdateFacility(ctx, f, h); err != nil {
		return nil, err
	}
	s.index.PutFacility(f)
	return f, s.record(ctx, "registry.facility.decide", KindFacility, f.ID, "ok", string(d.Status))
}

// DecideProfessional verifies or rejects a professional, like
// DecideFacility.
func (s *Service) DecideProfessional(ctx context.Context, id string, d Decision) (*Professional, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	p, err := s.store.Professional(ctx, NormaliseHPRID(id))
	if err != nil {
		return nil, err
	}
	if err := s.mayDecide(ctx, p.StateCode()); err != nil {
		_ = s.record(ctx, "registry.professional.decide", KindProfessional, p.ID, arogya.ErrorCode(err), string(d.Status))
		return nil, err
	}
	if p.Status == d.Status {
		return nil, arogya.Errorf(arogya.ECONFLICT, "the professional is already %s", d.Status)
	}
	p.Status, p.Reason = d.Status, d.Reason
	if d.Status == StatusVerified {
		p.Reason = ""
	}
	p.Version++
	p.UpdatedAt = s.now()
	h := HistoryEntry{Kind: KindProfessional, ID: p.ID, At: p.UpdatedAt, Actor: actorName(ctx), Action: strings.ToLower(string(d.Status)), Reason: d.Reason}
	if err := s.store.UpdateProfessional(ctx, p, h); err != nil {
		return nil, err
	}
	s.index.PutProfessional(p)
	return p, s.record(ctx, "registry.professional.decide", KindProfessional, p.ID, "ok", string(d.Status))
}

// queueState is the state whose queue the actor sees: the operator may
// ask for any ("" for all), a verifier sees their own.
func (s *Service) queueState(ctx context.Context, stateCode string) (string, error) {
	a := arogya.ActorFrom(ctx)
	switch a.Kind {
	case arogya.ActorOperator:
		return stateCode, nil
	case arogya.ActorVerifier:
		v, err := s.store.Verifier(ctx, a.ID)
		if err != nil || v.Disabled {
			return "", arogya.Errorf(arogya.EUNAUTHORIZED, "sign in as a verifier to see the queue")
		}
		if stateCode != "" && stateCode != v.StateCode {
			return "", arogya.Errorf(arogya.EFORBIDDEN, "a verifier sees only their own state's queue")
		}
		return v.StateCode, nil
	}
	return "", arogya.Errorf(arogya.EUNAUTHORIZED, "sign in as a verifier to see the queue")
}

// MaxQueuePage bounds a page of the verifier's queue.
const MaxQueuePage = 100

// PendingFacilities is the verifier's queue of facilities: PENDING ones of
// their state, oldest first, after the cursor (an ID, "" to start).
func (s *Service) PendingFacilities(ctx context.Context, stateCode, after string, limit int) ([]*Facility, error) {
	st, err := s.queueState(ctx, stateCode)
	if err != nil {
		return nil, err
	}
	return s.store.FacilitiesByStatus(ctx, StatusPending, st, after, clampLimit(limit))
}

// PendingProfessionals is the verifier's queue of professionals.
func (s *Service) PendingProfessionals(ctx context.Context, stateCode, after string, limit int) ([]*Professional, error) {
	st, err := s.queueState(ctx, stateCode)
	if err != nil {
		return nil, err
	}
	return s.store.ProfessionalsByStatus(ctx, StatusPending, st, after, clampLimit(limit))
}

func clampLimit(n int) int {
	if n <= 0 || n > MaxQueuePage {
		return MaxQueuePage
	}
	return n
}

// History is an entry's history, for the operator and its state's
// verifiers.
func (s *Service) History(ctx context.Context, kind Kind, id string) ([]HistoryEntry, error) {
	var state string
	switch kind {
	case KindFacility:
		f, err := s.store.Facility(ctx, strings.ToUpper(strings.TrimSpace(id)))
		if err != nil {
			return nil, err
		}
		state, id = f.StateCode(), f.ID
	case KindProfessional:
		p, err := s.store.Professional(ctx, NormaliseHPRID(id))
		if err != nil {
			return nil, err
		}
		state, id = p.StateCode(), p.ID
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "unknown kind of entry")
	}
	if err := s.mayDecide(ctx, state); err != nil {
		return nil, err
	}
	return s.store.History(ctx, kind, id)
}
