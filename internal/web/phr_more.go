package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/phr"
)

// accessView is one fetch of the person's records.
type accessView struct {
	HIU, HIP, Purpose string
	Types             []string
	From, To          string
	At                string // DD-MM-YYYY HH:MM
	Status            string // message id
	Consent           string // the day the consent was given, or its short ID
}

// access shows who fetched which records, when, under which consent.
func (p *PHR) access(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	log, err := p.cm.AccessLog(who.ctx, who.token)
	if err != nil {
		p.fail(w, r, "phr_access", v, err, nil)
		return
	}
	given := map[string]string{}
	if arts, err := p.cm.Artefacts(who.ctx, who.token, ""); err == nil {
		for _, a := range arts {
			given[a.Detail.ConsentID] = day(a.Detail.CreatedAt.Time)
		}
	}
	nm := p.names(who.ctx)
	for _, a := range log {
		consent := given[a.ConsentID]
		if consent == "" && len(a.ConsentID) >= 8 {
			consent = a.ConsentID[:8]
		}
		at := ""
		if !a.RequestedAt.IsZero() {
			at = a.RequestedAt.In(ist).Format(dayLayout + " 15:04")
		}
		st := "phr.flow.other"
		if _, ok := p.catFor(r)["phr.flow."+a.Status]; ok {
			st = "phr.flow." + a.Status
		}
		v.Access = append(v.Access, accessView{HIU: nm.of(a.HIU), HIP: nm.of(a.HIP),
			Purpose: p.purposeLabel(r, phr.Purpose{Code: a.Purpose}), Types: p.labels(r, a.HITypes),
			From: day(a.DateRange.From.Time), To: day(a.DateRange.To.Time), At: at, Status: st, Consent: consent})
	}
	p.render(w, r, http.StatusOK, "phr_access", v)
}

// shareView is the Scan & Share page.
type shareView struct {
	Code     string // as entered
	Counter  string
	Facility string // the facility a scanned code names
	Token    string // the token number the facility gave
	Expiry   string
	Done     bool
}

// shareGet asks for the facility's code. A facility's printed QR code
// opens this page with its hip-id and counter-code in the query: the form
// comes filled in, naming the facility, and sharing waits for the
// person's press (a GET changes nothing).
func (p *PHR) shareGet(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	sv := &shareView{}
	if r.URL.RawQuery != "" {
		if hip, counter := parseFacilityCode("?" + r.URL.RawQuery); hip != "" {
			sv.Code, sv.Counter = hip, counter
			sv.Facility = p.names(who.ctx).of(phr.Ref{ID: hip})
		}
	}
	v.Share = sv
	p.render(w, r, http.StatusOK, "phr_share", v)
}

// parseFacilityCode reads what a facility's Scan & Share QR holds, or
// what a person typed: a URL with hip-id (and counter-code) in its query,
// a JSON object with hipId (and code), or the bare facility ID. It
// returns "" for the ID when s is none of these.
func parseFacilityCode(s string) (hipID, counter string) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 2000 {
		return "", ""
	}
	pick := func(get func(string) string, names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(get(n)); v != "" {
				return v
			}
		}
		return ""
	}
	hipNames := []string{"hip-id", "hipId", "hip_id", "hipid", "facilityId", "id"}
	codeNames := []string{"counter-code", "counterCode", "code", "context", "customCode"}
	switch {
	case strings.HasPrefix(s, "{"):
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return "", ""
		}
		get := func(k string) string {
			switch x := m[k].(type) {
			case string:
				return x
			case float64:
				return strconv.FormatFloat(x, 'f', -1, 64)
			}
			return ""
		}
		hipID, counter = pick(get, hipNames...), pick(get, codeNames...)
	case strings.Contains(s, "://") || strings.Contains(s, "?"):
		u, err := url.Parse(s)
		if err != nil {
			return "", ""
		}
		q := u.Query()
		hipID, counter = pick(q.Get, hipNames...), pick(q.Get, codeNames...)
	default:
		hipID = s
	}
	hipID = strings.ToUpper(hipID)
	if !validFacilityID(hipID) {
		return "", ""
	}
	if len(counter) > 50 {
		counter = counter[:50]
	}
	return hipID, counter
}

// validFacilityID reports whether s looks like a facility's ID: letters,
// digits, '-' and '_', 2 to 64 of them.
func validFacilityID(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sharePost shares the profile at the facility the code names.
func (p *PHR) sharePost(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	sv := &shareView{Code: strings.TrimSpace(r.PostForm.Get("code")), Counter: strings.TrimSpace(r.PostForm.Get("counter"))}
	v.Share = sv
	hip, counter := parseFacilityCode(sv.Code)
	if hip == "" {
		v.Error = p.catFor(r).text("phr.share.badcode")
		p.render(w, r, http.StatusBadRequest, "phr_share", v)
		return
	}
	counter = cmp.Or(counter, sv.Counter)
	if len(counter) > 50 {
		counter = counter[:50]
	}
	res, err := p.cm.ShareProfile(who.ctx, who.token, hip, counter)
	if err != nil {
		p.fail(w, r, "phr_share", v, err, map[string]string{arogya.ENOTFOUND: "phr.share.nofacility", arogya.EUNPROCESSABLE: "phr.share.refused"})
		return
	}
	sv.Done, sv.Token, sv.Expiry = true, res.TokenNumber, res.Expiry
	p.render(w, r, http.StatusOK, "phr_share", v)
}

// lockView is the lock page.
type lockView struct {
	Locked   bool
	LockedAt string
}

// lockGet shows whether the ABHA takes new consent requests.
func (p *PHR) lockGet(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	l, err := p.cm.Lock(who.ctx, who.token)
	if err != nil {
		p.fail(w, r, "phr_lock", v, err, nil)
		return
	}
	v.Lock = &lockView{Locked: l.Locked, LockedAt: day(l.LockedAt.Time)}
	p.render(w, r, http.StatusOK, "phr_lock", v)
}

// lockPost locks, or with the PIN unlocks.
func (p *PHR) lockPost(w http.ResponseWriter, r *http.Request, who *person, v *phrView) {
	lock := r.PostForm.Get("action") == "lock"
	tok := ""
	var err error
	if !lock {
		tok, err = p.cm.VerifyPIN(who.ctx, who.token, r.PostForm.Get("pin"), phr.ScopeUnlock, "")
	}
	if err == nil {
		_, err = p.cm.SetLock(who.ctx, who.token, tok, lock)
	}
	if err != nil {
		l, lerr := p.cm.Lock(who.ctx, who.token)
		if lerr != nil {
			p.fail(w, r, "phr_lock", v, lerr, nil)
			return
		}
		v.Lock = &lockView{Locked: l.Locked, LockedAt: day(l.LockedAt.Time)}
		p.fail(w, r, "phr_lock", v, err, pinErrors)
		return
	}
	if lock {
		redirect(w, r, "/abha/lock", "phr.locked")
		return
	}
	redirect(w, r, "/abha/lock", "phr.unlocked")
}
