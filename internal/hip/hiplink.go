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
// its failed step visible in HIPLinkSteps.

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
	m, s := b.step(j.FacilityID, "users/auth/init", map[string]any{"query": map[string]any{
		"id": l.ABHAAddress, "purpose": "LINK", "authMode": "DEMOGRAPHICS",
		"requester": map[string]string{"type": "HIP", "id": j.FacilityID}}}, l.ContextRef, l.ABHAAddress)
	return &Effects{Jobs: []*Job{m}, LinkSteps: []*LinkStep{s}}, nil
}

// LinkAnswer is the body of the callbacks answering HIP-initiated
// linking's messages: users/auth/on-init, on-confirm,
// links/link/on-add-contexts, links/context/on-notify.
type LinkAnswer struct {
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
		path, next = "links/link/add-contexts", map[string]any{"link": map[string]any{"accessToken": a.Auth.AccessToken,
			"patient": map[string]any{"referenceNumber": p.Ref, "display": p.Name,
				"careContexts": []map[string]string{{"referenceNumber": cc.Ref, "display": cc.Display}}}}}
	case "links/link/on-add-contexts":
		if s.Step != "links/link/add-contexts" || a.Acknowledgement == nil || a.Acknowledgement.Status != "SUCCESS" {
			return failed("not acknowledged")
		}
		fx.Links = []*Link{{FacilityID: s.FacilityID, ContextRef: cc.Ref, ABHAAddress: s.ABHAAddress, PatientRef: p.Ref, ByHIP: true, LinkedAt: b.svc.now()}}
		rs, err := b.svc.store.HIPRecords(ctx, s.FacilityID, cc.Ref, zeroTime, zeroTime)
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
		b.svc.auditEvent(ctx, "hip.link.by-hip", s.FacilityID, "ok", "")
		path, next = "links/context/notify", map[string]any{"notification": map[string]any{
			"patient":     map[string]string{"id": s.ABHAAddress},
			"careContext": map[string]string{"patientReference": p.Ref, "careContextReference": cc.Ref},
			"hiTypes":     types, "date": date.UTC().Format(protocol.TimestampLayout), "hip": map[string]string{"id": s.FacilityID}}}
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
