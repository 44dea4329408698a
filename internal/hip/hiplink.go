package hip

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/protocol"
)

// HIP-initiated linking (abdm-protocol.md §3.3): a new care context of a
// patient the facility knows by ABHA address is linked to it at once, so
// the record appears in the person's PHR. The steps are v0.5's
// users/auth/init (DEMOGRAPHICS, purpose LINK), users/auth/confirm with
// the patient's demographics, links/link/add-contexts with the access
// token, then links/context/notify. Each step is a message whose answer
// comes back as a callback; a refusal leaves the care context unlinked,
// its failed step visible in HIPLinkSteps. A v3 bridge links with link
// tokens instead (hiplink_v3.go).

// linkJob is what a link job carries.
type linkJob struct {
	PatientRef  string `json:"patientRef"`
	ContextRef  string `json:"contextRef"`
	ABHAAddress string `json:"abhaAddress"`
}

// linkJob is the job that links a care context a push creates, for a
// patient known by ABHA address; nil for one who is not.
func (b *Bridge) linkJob(p *Patient, cc *CareContext) *Job {
	if p.ABHAAddress == "" {
		return nil
	}
	now := b.svc.now()
	body, _ := json.Marshal(linkJob{PatientRef: p.Ref, ContextRef: cc.Ref, ABHAAddress: p.ABHAAddress})
	return &Job{ID: "link:" + cc.FacilityID + ":" + cc.Ref, Kind: JobLink, FacilityID: cc.FacilityID, Path: "link", Body: body, NextAt: now, CreatedAt: now}
}

// step returns a send job and the step it records.
func (b *Bridge) step(facilityID, path string, payload map[string]any, contextRef, abhaAddress string) (*Job, *LinkStep) {
	m := b.message(facilityID, path, "", payload)
	return m, &LinkStep{RequestID: strings.TrimPrefix(m.ID, "out:"), Step: path, FacilityID: facilityID, ContextRef: contextRef,
		ABHAAddress: abhaAddress, Status: "SENT", CreatedAt: b.svc.now()}
}

// link starts users/auth for the person, unless the care context is
// linked to them already.
func (b *Bridge) link(ctx context.Context, j *Job) (*Effects, error) {
	var l linkJob
	if err := json.Unmarshal(j.Body, &l); err != nil {
		return nil, permanentError{fmt.Errorf("a link job's body does not parse")}
	}
	links, err := b.svc.store.HIPLinks(ctx, j.FacilityID, l.ContextRef)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(links, func(x *Link) bool { return x.ABHAAddress == l.ABHAAddress }) {
		return &Effects{}, nil
	}
	// One flow at a time per person: a flow in progress adds every visit
	// of theirs not yet linked, this one included (ABHA allows only a few
	// demographic checks per person in 15 minutes, so a bulk import of one
	// person's history must not run one per visit).
	if busy, err := b.personLinking(ctx, j.FacilityID, l.PatientRef, l.ABHAAddress, l.ContextRef); err != nil {
		return nil, err
	} else if busy {
		return nil, waitError{after: 3 * time.Second}
	}
	if b.cfg.Version == protocol.V3 {
		return b.linkV3(ctx, j.FacilityID, l)
	}
	m, s := b.step(j.FacilityID, "users/auth/init", map[string]any{"query": map[string]any{
		"id": l.ABHAAddress, "purpose": "LINK", "authMode": "DEMOGRAPHICS",
		"requester": map[string]string{"type": "HIP", "id": j.FacilityID}}}, l.ContextRef, l.ABHAAddress)
	return &Effects{Jobs: []*Job{m}, LinkSteps: []*LinkStep{s}}, nil
}

// LinkAnswer is the body of the callbacks answering HIP-initiated
// linking's messages: users/auth/on-init, on-confirm,
// links/link/on-add-contexts, links/context/on-notify, and v3's
// on-generate-token ({abhaAddress, linkToken}) and on_carecontext
// ({abhaAddress, status}).
type LinkAnswer struct {
	ABHAAddress string `json:"abhaAddress"`
	LinkToken   string `json:"linkToken"`
	Status      string `json:"status"`

	Auth *struct {
		TransactionID string `json:"transactionId"`
		AccessToken   string `json:"accessToken"`
	} `json:"auth"`
	Acknowledgement *struct {
		Status string `json:"status"`
	} `json:"acknowledgement"`
	Error json.RawMessage `json:"error"`
}

// ParseLinkAnswer reads a linking callback's body.
func ParseLinkAnswer(body []byte) (*LinkAnswer, error) {
	var a LinkAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, arogya.Errorf(arogya.EINVALID, "the body is not a linking callback")
	}
	if a.Auth != nil && (len(a.Auth.TransactionID) > 100 || len(a.Auth.AccessToken) > 8192) {
		return nil, arogya.Errorf(arogya.EINVALID, "auth's fields are too long")
	}
	if len(a.LinkToken) > maxLinkToken || len(a.ABHAAddress) > 100 || len(a.Status) > 200 {
		return nil, arogya.Errorf(arogya.EINVALID, "linkToken, abhaAddress or status is too long")
	}
	return &a, nil
}

// linkAnswer takes the answer to a step and sends the next.
func (b *Bridge) linkAnswer(ctx context.Context, kind, inResponseTo string, body []byte) (*Effects, error) {
	if !protocol.IsUUID(inResponseTo) {
		return &Effects{}, nil
	}
	s, err := b.svc.store.HIPLinkStep(ctx, inResponseTo)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return &Effects{}, nil // an answer to nothing this node asked
	} else if err != nil {
		return nil, err
	}
	a, err := ParseLinkAnswer(body)
	failed := func(why string) (*Effects, error) {
		s.Status = "FAILED"
		b.svc.auditEvent(ctx, "hip.link.by-hip", s.FacilityID, "failed", s.Step+": "+why)
		return &Effects{LinkSteps: []*LinkStep{s}}, nil
	}
	if err != nil {
		return failed("unreadable answer")
	}
	if e := strings.TrimSpace(string(a.Error)); e != "" && e != "null" {
		return failed("refused")
	}
	cc, err := b.svc.store.HIPCareContext(ctx, s.FacilityID, s.ContextRef)
	if err != nil {
		return nil, err
	}
	p, err := b.svc.store.HIPPatient(ctx, s.FacilityID, cc.PatientRef)
	if err != nil {
		return nil, err
	}
	s.Status = "DONE"
	var next map[string]any
	var path string
	fx := &Effects{LinkSteps: []*LinkStep{s}}
	switch kind {
	case "users/auth/on-init":
		if s.Step != "users/auth/init" || a.Auth == nil || a.Auth.TransactionID == "" {
			return failed("no transaction")
		}
		dob := p.BirthDate
		if dob == "" && p.YearOfBirth > 0 {
			dob = fmt.Sprintf("%04d", p.YearOfBirth)
		}
		path, next = "users/auth/confirm", map[string]any{"transactionId": a.Auth.TransactionID, "credential": map[string]any{
			"demographic": map[string]string{"name": p.Name, "gender": p.Gender, "dateOfBirth": dob}}}
	case "users/auth/on-confirm":
		if s.Step != "users/auth/confirm" || a.Auth == nil || a.Auth.AccessToken == "" {
			return failed("no access token")
		}
		contexts, err := b.unlinkedContexts(ctx, s.FacilityID, p.Ref, s.ABHAAddress, cc)
		if err != nil {
			return nil, err
		}
		path, next = "links/link/add-contexts", map[string]any{"link": map[string]any{"accessToken": a.Auth.AccessToken,
			"patient": map[string]any{"referenceNumber": p.Ref, "display": p.Name, "careContexts": contexts}}}
	case kindOnGenerateToken:
		gfx, ok, err := b.onGenerateToken(ctx, s, a, p, cc)
		if err != nil {
			return nil, err
		} else if !ok {
			return failed("no link token")
		}
		return gfx, nil
	case "links/link/on-add-contexts":
		// v0.5 acknowledges SUCCESS; v3's on_carecontext has a status
		// ("Successfully Linked care context") and no acknowledgement.
		acked := a.Acknowledgement != nil && a.Acknowledgement.Status == "SUCCESS" || a.Acknowledgement == nil && a.Status != ""
		if s.Step != "links/link/add-contexts" || !acked {
			return failed("not acknowledged")
		}
		refs, err := b.addedContexts(ctx, s, cc.Ref)
		if err != nil {
			return nil, err
		}
		b.svc.auditEvent(ctx, "hip.link.by-hip", s.FacilityID, "ok", fmt.Sprintf("%d care contexts", len(refs)))
		for _, ref := range refs {
			fx.Links = append(fx.Links, &Link{FacilityID: s.FacilityID, ContextRef: ref, ABHAAddress: s.ABHAAddress, PatientRef: p.Ref, ByHIP: true, LinkedAt: b.svc.now()})
			notice, err := b.contextNotice(ctx, s.FacilityID, p.Ref, ref, s.ABHAAddress)
			if err != nil {
				return nil, err
			}
			m, ns := b.step(s.FacilityID, "links/context/notify", notice, ref, s.ABHAAddress)
			fx.Jobs, fx.LinkSteps = append(fx.Jobs, m), append(fx.LinkSteps, ns)
		}
		return fx, nil
	case "links/context/on-notify":
		return fx, nil
	default:
		return failed("unexpected answer")
	}
	m, ns := b.step(s.FacilityID, path, next, s.ContextRef, s.ABHAAddress)
	fx.Jobs, fx.LinkSteps = []*Job{m}, append(fx.LinkSteps, ns)
	return fx, nil
}

var zeroTime time.Time

// waitError puts a job off without counting an attempt: it waits for
// another to finish.
type waitError struct{ after time.Duration }

func (w waitError) Error() string { return "waiting for another linking of the same person" }

// linkFlowTimeout is how long a linking step may stay unanswered before
// another visit of the person starts a flow of its own.
const linkFlowTimeout = 10 * time.Minute

// personLinking reports whether a linking flow for the person and address
// is under way at the facility for another of their care contexts.
func (b *Bridge) personLinking(ctx context.Context, facilityID, patientRef, address, except string) (bool, error) {
	ccs, err := b.svc.store.HIPCareContexts(ctx, facilityID, patientRef)
	if err != nil {
		return false, err
	}
	since := b.svc.now().Add(-linkFlowTimeout)
	for _, c := range ccs {
		if c.Ref == except {
			continue
		}
		steps, err := b.svc.store.HIPLinkSteps(ctx, facilityID, c.Ref)
		if err != nil {
			return false, err
		}
		if n := len(steps); n > 0 {
			last := steps[n-1]
			if last.ABHAAddress == address && last.Status == "SENT" && last.Step != "links/context/notify" && last.CreatedAt.After(since) {
				return true, nil
			}
		}
	}
	return false, nil
}

// maxAddContexts bounds the care contexts one add-contexts carries.
const maxAddContexts = 100

// unlinkedContexts lists the person's care contexts at the facility not
// yet linked to the address, first among them cc (the one whose flow this
// is), at most maxAddContexts.
func (b *Bridge) unlinkedContexts(ctx context.Context, facilityID, patientRef, address string, cc *CareContext) ([]map[string]string, error) {
	out := []map[string]string{{"referenceNumber": cc.Ref, "display": cc.Display}}
	ccs, err := b.svc.store.HIPCareContexts(ctx, facilityID, patientRef)
	if err != nil {
		return nil, err
	}
	for _, c := range ccs {
		if c.Ref == cc.Ref || len(out) == maxAddContexts {
			continue
		}
		links, err := b.svc.store.HIPLinks(ctx, facilityID, c.Ref)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(links, func(x *Link) bool { return x.ABHAAddress == address }) {
			out = append(out, map[string]string{"referenceNumber": c.Ref, "display": c.Display})
		}
	}
	return out, nil
}

// addedContexts reads which care contexts the add-contexts message of step
// s carried; ref alone if that message is gone.
func (b *Bridge) addedContexts(ctx context.Context, s *LinkStep, ref string) ([]string, error) {
	j, err := b.svc.store.HIPJob(ctx, "out:"+s.RequestID)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return []string{ref}, nil
	} else if err != nil {
		return nil, err
	}
	type contexts struct {
		CareContexts []struct {
			ReferenceNumber string `json:"referenceNumber"`
		} `json:"careContexts"`
	}
	// v0.5: link.patient.careContexts; v3: patient[].careContexts.
	var m struct {
		Link struct {
			Patient contexts `json:"patient"`
		} `json:"link"`
		Patient json.RawMessage `json:"patient"`
	}
	if err := json.Unmarshal(j.Body, &m); err != nil {
		return []string{ref}, nil
	}
	groups := []contexts{m.Link.Patient}
	var v3 []contexts
	if json.Unmarshal(m.Patient, &v3) == nil {
		groups = append(groups, v3...)
	}
	var refs []string
	for _, g := range groups {
		for _, c := range g.CareContexts {
			refs = append(refs, c.ReferenceNumber)
		}
	}
	if len(refs) == 0 {
		return []string{ref}, nil
	}
	return refs, nil
}

// contextNotice is links/context/notify for one care context: the HI types
// of its records and the date of the latest.
func (b *Bridge) contextNotice(ctx context.Context, facilityID, patientRef, ref, address string) (map[string]any, error) {
	cc, err := b.svc.store.HIPCareContext(ctx, facilityID, ref)
	if err != nil {
		return nil, err
	}
	rs, err := b.svc.store.HIPRecords(ctx, facilityID, ref, zeroTime, zeroTime)
	if err != nil {
		return nil, err
	}
	var types []string
	date := cc.CreatedAt
	for _, r := range rs {
		if !slices.Contains(types, r.HIType) {
			types = append(types, r.HIType)
		}
		date = r.Date
	}
	return map[string]any{"notification": map[string]any{
		"patient":     map[string]string{"id": address},
		"careContext": map[string]string{"patientReference": patientRef, "careContextReference": ref},
		"hiTypes":     types, "date": date.UTC().Format(protocol.TimestampLayout), "hip": map[string]string{"id": facilityID}}}, nil
}

// Link states of a care context, as CareContextLinks reports them.
const (
	LinkStateLinked   = "LINKED"      // linked to an ABHA address
	LinkStateLinking  = "LINKING"     // the HIP is linking it
	LinkStateFailed   = "LINK_FAILED" // the HIP's linking was refused; it stays unlinked
	LinkStateUnlinked = "UNLINKED"    // waiting for the person to discover and link it
)

// ContextLinks is a care context with the ABHA addresses it is linked to
// and how the HIP's own linking of it went.
type ContextLinks struct {
	CareContext *CareContext
	Links       []*Link
	Steps       []*LinkStep // HIP-initiated linking's messages, oldest first
	State       string      // one of the LinkState constants
}

// CareContextLinks tells a facility whether one of its care contexts is
// linked, and if the HIP's linking failed, at which step.
func (s *Service) CareContextLinks(ctx context.Context, facilityID, ref string) (*ContextLinks, error) {
	f, err := s.facility(ctx, facilityID)
	if err != nil {
		return nil, err
	}
	cc, err := s.store.HIPCareContext(ctx, f.ID, ref)
	if err != nil {
		return nil, err
	}
	out := &ContextLinks{CareContext: cc, State: LinkStateUnlinked}
	if out.Links, err = s.store.HIPLinks(ctx, f.ID, ref); err != nil {
		return nil, err
	}
	if out.Steps, err = s.store.HIPLinkSteps(ctx, f.ID, ref); err != nil {
		return nil, err
	}
	job, err := s.store.HIPJob(ctx, "link:"+f.ID+":"+ref)
	if err != nil && arogya.ErrorCode(err) != arogya.ENOTFOUND {
		return nil, err
	}
	switch {
	case len(out.Links) > 0:
		out.State = LinkStateLinked
	case slices.ContainsFunc(out.Steps, func(s *LinkStep) bool { return s.Status == "FAILED" }) || (job != nil && job.Status == JobDead):
		out.State = LinkStateFailed
	case job != nil:
		out.State = LinkStateLinking
	}
	return out, nil
}
