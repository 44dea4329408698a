package hip

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/protocol"
)

// HIP-initiated linking in v3 (abdm-protocol.md §3.3, HIECM-LinkTokenService.yml):
// v3/token/generate-token with the person's demographics is answered
// on-generate-token with a link token, which /hip/v3/link/carecontext (the
// v3 form of links/link/add-contexts) carries in X-LINK-TOKEN; then
// links/context/notify. The token is good for up to six months: the HIP
// keeps it, sealed, per facility and ABHA address, and links the person's
// later visits with it, with no demographic check again. A carecontext
// refused for its token (expired or revoked) asks for a fresh one once.

// Kinds of v3 linking's messages.
const (
	kindGenerateToken   = "v3/token/generate-token"
	kindOnGenerateToken = "v3/hip/token/on-generate-token"
	kindAddContexts     = "links/link/add-contexts"
)

// carecontextPath is add-contexts' v3 path under the v3 base.
var carecontextPath = func() string {
	r, _ := protocol.ByKind(kindAddContexts)
	return r.V3Gateway
}()

const (
	// linkTokenLife is how long a link token is kept when it does not say
	// (the NHA wrapper's six months), and the longest it is kept.
	linkTokenLife = 180 * 24 * time.Hour
	// linkTokenMargin: a token this close to its end is not used again.
	linkTokenMargin = time.Hour
	// maxLinkToken bounds a link token's length.
	maxLinkToken = 8192
)

// errNoLinkToken: no usable link token is kept for the person.
var errNoLinkToken = errors.New("hip: no usable link token for the person")

// linkTokenAD binds a sealed link token to its facility and person.
func linkTokenAD(facilityID, address string) []byte {
	return []byte("hip-link-token\x00" + facilityID + "\x00" + address)
}

// tokenExpiry reads when a link token ends: the exp claim of a JWT (not
// verified: the gateway checks its own tokens), at most linkTokenLife from
// now; linkTokenLife from now if it has none.
func tokenExpiry(tok string, now time.Time) time.Time {
	limit := now.Add(linkTokenLife)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return limit
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return limit
	}
	var c struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp == nil || *c.Exp < 0 || *c.Exp > 1e11 {
		return limit
	}
	if exp := time.Unix(int64(*c.Exp), 0).UTC(); exp.Before(limit) {
		return exp
	}
	return limit
}

// sealLinkToken makes the LinkToken effect that keeps tok.
func (b *Bridge) sealLinkToken(facilityID, address, tok string) (*LinkToken, error) {
	sealed, err := auth.SealAD(b.cfg.TokenKey, []byte(tok), linkTokenAD(facilityID, address))
	if err != nil {
		return nil, err
	}
	now := b.svc.now()
	return &LinkToken{FacilityID: facilityID, ABHAAddress: address, Sealed: sealed, ExpiresAt: tokenExpiry(tok, now), CreatedAt: now}, nil
}

// linkToken returns the link token kept for the person, if it is usable
// now; errNoLinkToken if none is.
func (b *Bridge) linkToken(ctx context.Context, facilityID, address string) (string, error) {
	t, err := b.svc.store.HIPLinkToken(ctx, facilityID, address)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return "", errNoLinkToken
	} else if err != nil {
		return "", err
	}
	if !b.svc.now().Add(linkTokenMargin).Before(t.ExpiresAt) {
		return "", errNoLinkToken
	}
	tok, err := auth.OpenAD(b.cfg.TokenKey, t.Sealed, linkTokenAD(facilityID, address))
	if err != nil {
		return "", errNoLinkToken // sealed under another key: ask for a new one
	}
	return string(tok), nil
}

// jobLinkToken is the link token a carecontext job is sent with: the one
// kept for the person its body names.
func (b *Bridge) jobLinkToken(ctx context.Context, j *Job) (string, error) {
	var m struct {
		ABHAAddress string `json:"abhaAddress"`
	}
	if err := json.Unmarshal(j.Body, &m); err != nil || m.ABHAAddress == "" {
		return "", permanentError{errors.New("a carecontext message names no ABHA address")}
	}
	return b.linkToken(ctx, j.FacilityID, m.ABHAAddress)
}

// linkV3 starts v3 linking of a care context: with the link token kept
// for the person, straight to link/carecontext; else generate-token.
func (b *Bridge) linkV3(ctx context.Context, facilityID string, l linkJob) (*Effects, error) {
	cc, err := b.svc.store.HIPCareContext(ctx, facilityID, l.ContextRef)
	if err != nil {
		return nil, err
	}
	p, err := b.svc.store.HIPPatient(ctx, facilityID, cc.PatientRef)
	if err != nil {
		return nil, err
	}
	if _, err := b.linkToken(ctx, facilityID, l.ABHAAddress); err == nil {
		m, s, err := b.carecontextStep(ctx, facilityID, p, cc, l.ABHAAddress)
		if err != nil {
			return nil, err
		}
		return &Effects{Jobs: []*Job{m}, LinkSteps: []*LinkStep{s}}, nil
	} else if !errors.Is(err, errNoLinkToken) {
		return nil, err
	}
	return b.generateTokenStep(ctx, p, cc.Ref, l.ABHAAddress), nil
}

// generateTokenStep asks for a link token with the patient's demographics
// as HIECM-LinkTokenService.yml has them: abhaAddress, abhaNumber (a
// number), name, gender, yearOfBirth (a number). A patient with no name or
// year of birth cannot be checked: the step fails at once.
func (b *Bridge) generateTokenStep(ctx context.Context, p *Patient, contextRef, address string) *Effects {
	yob := p.YearOfBirth
	if yob == 0 && len(p.BirthDate) >= 4 {
		yob, _ = strconv.Atoi(p.BirthDate[:4])
	}
	gender := p.Gender
	if !slices.Contains([]string{"M", "F", "O", "U"}, gender) {
		gender = "U"
	}
	payload := map[string]any{"abhaAddress": address, "name": p.Name, "gender": gender, "yearOfBirth": yob}
	if n := lastDigits(p.ABHANumber, 14); len(n) == 14 {
		v, _ := strconv.ParseInt(n, 10, 64)
		payload["abhaNumber"] = v
	}
	m, s := b.step(p.FacilityID, kindGenerateToken, payload, contextRef, address)
	if strings.TrimSpace(p.Name) == "" || yob == 0 {
		s.Status = "FAILED"
		b.svc.auditEvent(ctx, "hip.link.by-hip", p.FacilityID, "failed", kindGenerateToken+": no name or year of birth")
		return &Effects{LinkSteps: []*LinkStep{s}}
	}
	return &Effects{Jobs: []*Job{m}, LinkSteps: []*LinkStep{s}}
}

// carecontextStep links the person's care contexts not yet linked, cc
// first, with /hip/v3/link/carecontext: {abhaAddress, patient:[{
// referenceNumber, display, careContexts, hiType, count}]}, one entry per
// HI type (of each care context's latest record).
func (b *Bridge) carecontextStep(ctx context.Context, facilityID string, p *Patient, cc *CareContext, address string) (*Job, *LinkStep, error) {
	contexts, err := b.unlinkedContexts(ctx, facilityID, p.Ref, address, cc)
	if err != nil {
		return nil, nil, err
	}
	var groups []map[string]any
	byType := map[string]int{}
	for _, c := range contexts {
		typ := "OPConsultation"
		rs, err := b.svc.store.HIPRecords(ctx, facilityID, c["referenceNumber"], zeroTime, zeroTime)
		if err != nil {
			return nil, nil, err
		}
		if n := len(rs); n > 0 && rs[n-1].HIType != "" {
			typ = rs[n-1].HIType
		}
		i, ok := byType[typ]
		if !ok {
			i = len(groups)
			byType[typ] = i
			groups = append(groups, map[string]any{"referenceNumber": p.Ref, "display": p.Name, "hiType": typ, "careContexts": []map[string]string{}})
		}
		groups[i]["careContexts"] = append(groups[i]["careContexts"].([]map[string]string), c)
	}
	for _, g := range groups {
		g["count"] = len(g["careContexts"].([]map[string]string))
	}
	m, s := b.step(facilityID, kindAddContexts, map[string]any{"abhaAddress": address, "patient": groups}, cc.Ref, address)
	return m, s, nil
}

// onGenerateToken takes the link token for the step s asked and links.
func (b *Bridge) onGenerateToken(ctx context.Context, s *LinkStep, a *LinkAnswer, p *Patient, cc *CareContext) (*Effects, bool, error) {
	if s.Step != kindGenerateToken || a.LinkToken == "" {
		return nil, false, nil
	}
	tok, err := b.sealLinkToken(s.FacilityID, s.ABHAAddress, a.LinkToken)
	if err != nil {
		return nil, false, err
	}
	m, ns, err := b.carecontextStep(ctx, s.FacilityID, p, cc, s.ABHAAddress)
	if err != nil {
		return nil, false, err
	}
	s.Status = "DONE"
	return &Effects{LinkToken: tok, LinkSteps: []*LinkStep{s, ns}, Jobs: []*Job{m}}, true, nil
}

// linkTokenRefused handles a carecontext the gateway refused for its link
// token, or one with no usable token left to send: the token is forgotten
// and, unless this care context's flow already asked for a fresh token,
// generate-token is sent again; otherwise the linking has failed.
func (b *Bridge) linkTokenRefused(ctx context.Context, j *Job) (*Effects, error) {
	s, err := b.svc.store.HIPLinkStep(ctx, strings.TrimPrefix(j.ID, "out:"))
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		return nil, permanentError{errors.New("a carecontext message has no linking step")}
	} else if err != nil {
		return nil, err
	}
	drop := &LinkToken{FacilityID: s.FacilityID, ABHAAddress: s.ABHAAddress}
	steps, err := b.svc.store.HIPLinkSteps(ctx, s.FacilityID, s.ContextRef)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(steps, func(x *LinkStep) bool { return x.Step == kindGenerateToken }) {
		s.Status = "FAILED"
		b.svc.auditEvent(ctx, "hip.link.by-hip", s.FacilityID, "failed", kindAddContexts+": link token refused")
		return &Effects{LinkSteps: []*LinkStep{s}, DropLinkToken: drop}, nil
	}
	cc, err := b.svc.store.HIPCareContext(ctx, s.FacilityID, s.ContextRef)
	if err != nil {
		return nil, err
	}
	p, err := b.svc.store.HIPPatient(ctx, s.FacilityID, cc.PatientRef)
	if err != nil {
		return nil, err
	}
	s.Status = "EXPIRED"
	fx := b.generateTokenStep(ctx, p, s.ContextRef, s.ABHAAddress)
	fx.LinkSteps = append([]*LinkStep{s}, fx.LinkSteps...)
	fx.DropLinkToken = drop
	return fx, nil
}
