package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// consentsView is the consent inbox and the consents given.
type consentsView struct {
	Pending []requestView
	Active  []artefactView
	Past    []requestView
	Ended   []artefactView
}

// requestView is a consent request as the inbox shows it.
type requestView struct {
	ID        string
	HIU       string
	HIP       string // when the request names one facility
	Purpose   string
	Requester string
	Types     []string
	From, To  string
	Expiry    string
	Created   string
	Status    string // message id
}

// artefactView is a consent given, with what it allows.
type artefactView struct {
	ID           string
	HIU          string
	HIP          string
	Purpose      string
	Requester    string
	Types        []string
	CareContexts []string
	From, To     string
	Expiry       string
	Created      string
	Status       string // message id
}

// consentView is the approval form of one request.
type consentView struct {
	Request    requestView
	Facilities []grantFacility
	Types      []option
	From, To   string // YYYY-MM-DD, the request's, for the date fields
	Expiry     string
	Min, Max   string // the dates the request asks for
	Today      string // the earliest expiry
	ExpiryMax  string // the latest: the request's
	NoLinks    bool
}

// grantFacility is a facility whose visits the person may share.
type grantFacility struct {
	Name     string
	Contexts []option
}

// isoDay formats t as YYYY-MM-DD in India, for date fields.
func isoDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ist).Format("2006-01-02")
}

// purposeLabel names a purpose from the catalogue, or as the HIU wrote it.
func (p *PHR) purposeLabel(r *http.Request, pur phr.Purpose) string {
	if id := "phr.purpose." + pur.Code; p.catFor(r)[id] != "" {
		return p.catFor(r).text(id)
	}
	return cmp.Or(pur.Text, pur.Code)
}

// statusID is the message id of a consent's status.
func (p *PHR) statusID(r *http.Request, s string) string {
	if _, ok := p.catFor(r)["phr.status."+s]; ok {
		return "phr.status." + s
	}
	return "phr.status.other"
}

func (p *PHR) labels(r *http.Request, types []string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = p.hiTypeLabelFor(r, t)
	}
	return out
}

// names finds the names of facilities the CM named by ID only, from the
// registry, once each per page.
type names struct {
	p   *PHR
	ctx context.Context
	m   map[string]string
}

func (p *PHR) names(ctx context.Context) *names {
	return &names{p: p, ctx: ctx, m: map[string]string{}}
}

// of returns ref's name, or its ID when no one knows it.
func (n *names) of(ref phr.Ref) string {
	if ref.Name != "" || ref.ID == "" || n.p.reg == nil {
		return cmp.Or(ref.Name, ref.ID)
	}
	name, ok := n.m[ref.ID]
	if !ok {
		name, _ = n.p.reg.FacilityName(n.ctx, ref.ID)
		n.m[ref.ID] = name
	}
	return cmp.Or(name, ref.ID)
}

func (p *PHR) requestView(r *http.Request, q phr.Request, nm *names) requestView {
	v := requestView{ID: q.ID, HIU: nm.of(q.HIU), Purpose: p.purposeLabel(r, q.Purpose), Requester: q.Requester.Name,
		Types: p.labels(r, q.HITypes), From: day(q.Permission.DateRange.From.Time), To: day(q.Permission.DateRange.To.Time),
		Expiry: day(q.Permission.DataEraseAt.Time), Created: day(q.CreatedAt.Time), Status: p.statusID(r, q.Status)}
	if q.HIP != nil {
		v.HIP = nm.of(*q.HIP)
	}
	return v
}

// visitNames maps "HIP ID, care context reference" to the visit's name,
// and HIP IDs to facility names, from the person's links.
func visitNames(links []phr.Facility) (visits, facilities map[string]string) {
	visits, facilities = map[string]string{}, map[string]string{}
	for _, f := range links {
		facilities[f.HIP.ID] = cmp.Or(f.HIP.Name, f.HIP.ID)
		for _, cc := range f.CareContexts {
			visits[f.HIP.ID+"\x00"+cc.ReferenceNumber] = cmp.Or(cc.Display, cc.ReferenceNumber)
		}
	}
	return visits, facilities
}

func (p *PHR) artefactView(r *http.Request, a phr.Artefact, visits, facilities map[string]string, nm *names) artefactView {
	d := a.Detail
	v := artefactView{ID: d.ConsentID, HIU: nm.of(d.HIU), HIP: cmp.Or(d.HIP.Name, facilities[d.HIP.ID], nm.of(d.HIP)),
		Purpose: p.purposeLabel(r, d.Purpose), Requester: d.Requester.Name, Types: p.labels(r, d.HITypes),
		From: day(d.Permission.DateRange.From.Time), To: day(d.Permission.DateRange.To.Time), Expiry: day(d.Permission.DataEraseAt.Time),
		Created: day(d.CreatedAt.Time), Status: p.statusID(r, a.Status)}
	for _, cc := range d.CareContexts {
		v.CareContexts = append(v.CareContexts, cmp.Or(visits[d.HIP.ID+"\x00"+cc.CareContextReference], cc.CareContextReference))
	}
	return v
}

// consents shows the inbox, the consents given and the past ones.
func (p *PHR) consents(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	p.showConsents(w, r, who, v, http.StatusOK)
}

func (p *PHR) showConsents(w http.ResponseWriter, r *http.Request, who *person, v *phrView, status int) {
	reqs, err := p.cm.Requests(who.ctx, who.token, "")
	var arts []phr.Artefact
	if err == nil {
		arts, err = p.cm.Artefacts(who.ctx, who.token, "")
	}
	var links []phr.Facility
	if err == nil {
		links, err = p.cm.Links(who.ctx, who.token)
	}
	if err != nil {
		p.fail(w, r, "phr_consents", v, err, nil)
		return
	}
	visits, facilities := visitNames(links)
	nm := p.names(who.ctx)
	cv := &consentsView{}
	for _, q := range reqs {
		if q.Status == "REQUESTED" {
			cv.Pending = append(cv.Pending, p.requestView(r, q, nm))
		} else if q.Status != "GRANTED" {
			cv.Past = append(cv.Past, p.requestView(r, q, nm))
		}
	}
	for _, a := range arts {
		if a.Status == "GRANTED" {
			cv.Active = append(cv.Active, p.artefactView(r, a, visits, facilities, nm))
		} else {
			cv.Ended = append(cv.Ended, p.artefactView(r, a, visits, facilities, nm))
		}
	}
	v.Consents = cv
	p.render(w, r, status, "phr_consents", v)
}

// pinErrors are the words for a PIN the CM refused.
var pinErrors = map[string]string{
	arogya.EUNAUTHORIZED:    "phr.pin.wrong",
	arogya.EFORBIDDEN:       "phr.pin.notset",
	arogya.ETOOMANYREQUESTS: "phr.pin.locked",
	arogya.EINVALID:         "phr.pin.invalid",
}

// consentsPost handles the inbox's forms by their action.
func (p *PHR) consentsPost(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	f := r.PostForm
	id := strings.TrimSpace(f.Get("id"))
	switch f.Get("action") {
	case "review":
		p.review(w, r, who, v, id, http.StatusOK)
	case "approve":
		p.approve(w, r, who, v, id)
	case "deny":
		if err := p.cm.Deny(who.ctx, who.token, id); err != nil {
			p.consentsFail(w, r, who, v, err, nil)
			return
		}
		redirect(w, r, "/abha/consents", "phr.denied")
	case "revoke":
		tok, err := p.cm.VerifyPIN(who.ctx, who.token, f.Get("pin"), phr.ScopeRevoke, "")
		if err != nil {
			p.consentsFail(w, r, who, v, err, pinErrors)
			return
		}
		if err := p.cm.Revoke(who.ctx, who.token, tok, []string{id}); err != nil {
			p.consentsFail(w, r, who, v, err, nil)
			return
		}
		redirect(w, r, "/abha/consents", "phr.revoked")
	case "setpin":
		pin := f.Get("pin")
		if pin != f.Get("pin2") {
			p.consentsFail(w, r, who, v, p.phrError(arogya.EINVALID), map[string]string{arogya.EINVALID: "phr.pin.mismatch"})
			return
		}
		if err := p.cm.SetPIN(who.ctx, who.token, pin); err != nil {
			p.consentsFail(w, r, who, v, err, map[string]string{arogya.EINVALID: "phr.pin.invalid", arogya.ECONFLICT: "phr.pin.already"})
			return
		}
		redirect(w, r, "/abha/consents", "phr.pinset")
	default:
		p.consentsFail(w, r, who, v, p.phrError(arogya.EINVALID), nil)
	}
}

// phrError is an error of code whose words the page takes from the
// catalogue.
func (p *PHR) phrError(code string) error { return &arogya.Error{Code: code, Message: code} }

// consentsFail shows the inbox again with err's words, or the login page
// when the session ended.
func (p *PHR) consentsFail(w http.ResponseWriter, r *http.Request, who *person, v *phrView, err error, specific map[string]string) {
	if arogya.ErrorCode(err) == arogya.EUNAUTHORIZED && specific[arogya.EUNAUTHORIZED] == "" {
		p.fail(w, r, "phr_consents", v, err, nil)
		return
	}
	v.Error = p.errText(r, err, specific)
	p.showConsents(w, r, who, v, errStatus(r, err))
}

// ccValue encodes a care context as a checkbox's value.
func ccValue(hip, patientRef, ccRef string) string {
	return url.QueryEscape(hip) + " " + url.QueryEscape(patientRef) + " " + url.QueryEscape(ccRef)
}

// review shows the approval form of request id: the person's linked
// visits (at the facility asked, if one is), the HI types asked for, and
// the dates and expiry, to narrow.
func (p *PHR) review(w http.ResponseWriter, r *http.Request, who *person, v *phrView, id string, status int) {
	q, err := p.cm.Request(who.ctx, who.token, id)
	if err != nil {
		p.consentsFail(w, r, who, v, err, nil)
		return
	}
	if q.Status != "REQUESTED" {
		p.consentsFail(w, r, who, v, p.phrError(arogya.ECONFLICT), map[string]string{arogya.ECONFLICT: "phr.consent.notpending"})
		return
	}
	links, err := p.cm.Links(who.ctx, who.token)
	if err != nil {
		p.consentsFail(w, r, who, v, err, nil)
		return
	}
	chosen := map[string]bool{}
	for _, c := range r.PostForm["cc"] {
		chosen[c] = true
	}
	chosenType := map[string]bool{}
	for _, t := range r.PostForm["hitype"] {
		chosenType[t] = true
	}
	again := len(r.PostForm["hitype"]) > 0 || len(chosen) > 0
	cv := &consentView{Request: p.requestView(r, *q, p.names(who.ctx)),
		From: isoDay(q.Permission.DateRange.From.Time), To: isoDay(q.Permission.DateRange.To.Time), Expiry: isoDay(q.Permission.DataEraseAt.Time)}
	cv.Min, cv.Max, cv.Today, cv.ExpiryMax = cv.From, cv.To, isoDay(p.now()), cv.Expiry
	if again {
		cv.From, cv.To, cv.Expiry = cmp.Or(r.PostForm.Get("from"), cv.From), cmp.Or(r.PostForm.Get("to"), cv.To), cmp.Or(r.PostForm.Get("expiry"), cv.Expiry)
	}
	for _, f := range links {
		if q.HIP != nil && q.HIP.ID != "" && !strings.EqualFold(q.HIP.ID, f.HIP.ID) {
			continue
		}
		g := grantFacility{Name: cmp.Or(f.HIP.Name, f.HIP.ID)}
		for _, cc := range f.CareContexts {
			val := ccValue(f.HIP.ID, f.ReferenceNumber, cc.ReferenceNumber)
			g.Contexts = append(g.Contexts, option{Value: val, Label: cmp.Or(cc.Display, cc.ReferenceNumber), Selected: !again || chosen[val]})
		}
		if len(g.Contexts) > 0 {
			cv.Facilities = append(cv.Facilities, g)
		}
	}
	cv.NoLinks = len(cv.Facilities) == 0
	for _, t := range q.HITypes {
		cv.Types = append(cv.Types, option{Value: t, Label: p.hiTypeLabelFor(r, t), Selected: !again || chosenType[t]})
	}
	v.Consent = cv
	v.Page = "phr_consent"
	p.render(w, r, status, "phr_consent", v)
}

// approve grants request id as the form chose, after checking the PIN.
func (p *PHR) approve(w http.ResponseWriter, r *http.Request, who *person, v *phrView, id string) {
	f := r.PostForm
	again := func(msg string, err error) {
		v.Error = p.catFor(r).text(msg)
		if err != nil {
			v.Error = p.errText(r, err, pinErrors)
		}
		p.review(w, r, who, v, id, http.StatusBadRequest)
	}
	q, err := p.cm.Request(who.ctx, who.token, id)
	if err != nil {
		p.consentsFail(w, r, who, v, err, nil)
		return
	}
	links, err := p.cm.Links(who.ctx, who.token)
	if err != nil {
		p.consentsFail(w, r, who, v, err, nil)
		return
	}
	// Only the person's own linked visits can be chosen.
	known := map[string]bool{}
	for _, l := range links {
		for _, cc := range l.CareContexts {
			known[ccValue(l.HIP.ID, l.ReferenceNumber, cc.ReferenceNumber)] = true
		}
	}
	var types []string
	for _, t := range f["hitype"] {
		if slices.Contains(q.HITypes, t) && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		again("phr.approve.notypes", nil)
		return
	}
	perm := q.Permission
	from, okF := parseDay(f.Get("from"))
	to, okT := parseDay(f.Get("to"))
	exp, okE := parseDay(f.Get("expiry"))
	if !okF || !okT || !okE || from.IsZero() || to.IsZero() || exp.IsZero() {
		again("phr.approve.dates", nil)
		return
	}
	// A day the person chose is the whole day, clipped to what was asked.
	if rf := perm.DateRange.From.Time; from.Before(rf) {
		from = rf
	}
	toEnd := to.AddDate(0, 0, 1).Add(-time.Millisecond)
	if rt := perm.DateRange.To.Time; toEnd.After(rt) {
		toEnd = rt
	}
	expEnd := exp.AddDate(0, 0, 1).Add(-time.Millisecond)
	if re := perm.DataEraseAt.Time; expEnd.After(re) {
		expEnd = re
	}
	if !from.Before(toEnd) {
		again("phr.approve.dates", nil)
		return
	}
	if !expEnd.After(p.now()) {
		again("phr.approve.expiry", nil)
		return
	}
	perm.DateRange = phr.DateRange{From: phr.Time{Time: from}, To: phr.Time{Time: toEnd}}
	perm.DataEraseAt = phr.Time{Time: expEnd}
	byHIP := map[string]*phr.Grant{}
	var order []string
	for _, c := range f["cc"] {
		if !known[c] {
			continue
		}
		parts := strings.Split(c, " ")
		hip, _ := url.QueryUnescape(parts[0])
		pref, _ := url.QueryUnescape(parts[1])
		ref, _ := url.QueryUnescape(parts[2])
		g := byHIP[hip]
		if g == nil {
			pp := perm
			g = &phr.Grant{HIP: phr.Ref{ID: hip}, HITypes: types, Permission: &pp}
			byHIP[hip] = g
			order = append(order, hip)
		}
		g.CareContexts = append(g.CareContexts, phr.CareContextRef{PatientReference: pref, CareContextReference: ref})
	}
	if len(order) == 0 {
		again("phr.approve.nocontexts", nil)
		return
	}
	tok, err := p.cm.VerifyPIN(who.ctx, who.token, f.Get("pin"), phr.ScopeApprove, id)
	if err != nil {
		again("", err)
		return
	}
	grants := make([]phr.Grant, len(order))
	for i, h := range order {
		grants[i] = *byHIP[h]
	}
	if _, err := p.cm.Approve(who.ctx, who.token, tok, id, grants); err != nil {
		again("", err)
		return
	}
	redirect(w, r, "/abha/consents", "phr.approved")
}
