package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/registry"
)

// loginView is the verifier's sign-in form.
type loginView struct {
	ID string
}

// queueView is a verifier's queue: pending entries of their state.
type queueView struct {
	Facilities        []*facilityView
	Professionals     []*professionalView
	MoreFacilities    string // link to the next page of each, when there is one
	MoreProfessionals string
}

// reviewView is one entry as a verifier reviews it: everything, with its
// history and the decision form.
type reviewView struct {
	Facility    *facilityView
	Pro         *professionalView
	History     []historyView
	Action      string // where the decision posts
	CanApprove  bool
	CanReject   bool
	Reason      string
	ReasonError string
}

// queuePage is how many entries of each kind the queue lists at once.
const queuePage = 50

// loginGet shows the verifier sign-in form, or the queue to one signed in.
func (g *Registry) loginGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.session(r); ok {
		http.Redirect(w, r, "/registry/verify", http.StatusSeeOther)
		return
	}
	v := g.view(w, r, true)
	v.Login = &loginView{}
	g.render(w, r, http.StatusOK, "registry_login", v)
}

// loginPost checks the verifier's ID and key and starts their session.
func (g *Registry) loginPost(w http.ResponseWriter, r *http.Request, v *regView) {
	id, key := strings.TrimSpace(r.PostForm.Get("verifier")), strings.TrimSpace(r.PostForm.Get("key"))
	v.Login = &loginView{ID: id}
	ver, err := g.svc.AuthenticateVerifier(r.Context(), id, key)
	if err != nil {
		if arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
			g.failPage(w, r, v, err)
			return
		}
		v.Error = g.catFor(r).text("registry.login.failed")
		g.render(w, r, http.StatusUnauthorized, "registry_login", v)
		return
	}
	g.startVerifierSession(w, r, ver)
	redirect(w, r, "/registry/verify", "registry.signedin")
}

// logout ends the verifier's session, on this node for any copy of the
// cookie too.
func (g *Registry) logout(w http.ResponseWriter, r *http.Request, v *regView) {
	g.end(w, r)
	redirect(w, r, "/registry/verify/login", "registry.signedout")
}

// verifierFailed answers a failed verifier request: a verifier the service
// no longer accepts (disabled) is signed out; other errors get the error
// page with their status, 403 for another state's entry.
func (g *Registry) verifierFailed(w http.ResponseWriter, r *http.Request, v *regView, err error) {
	if arogya.ErrorCode(err) == arogya.EUNAUTHORIZED {
		g.expire(w, r)
		return
	}
	g.failPage(w, r, v, err)
}

// queue lists the pending entries of the verifier's state, oldest first.
func (g *Registry) queue(w http.ResponseWriter, r *http.Request) {
	s, ok := g.requireVerifier(w, r)
	if !ok {
		return
	}
	v := g.view(w, r, true)
	ctx := verifierContext(r.Context(), s)
	in := r.URL.Query()
	fa, pa := in.Get("facilities_after"), in.Get("professionals_after")
	fs, err := g.svc.PendingFacilities(ctx, "", fa, queuePage)
	if err != nil {
		g.verifierFailed(w, r, v, err)
		return
	}
	ps, err := g.svc.PendingProfessionals(ctx, "", pa, queuePage)
	if err != nil {
		g.verifierFailed(w, r, v, err)
		return
	}
	q := &queueView{}
	for _, f := range fs {
		fv := newFacilityView(g.catFor(r), f)
		fv.URL = "/registry/verify/facilities/" + f.ID
		q.Facilities = append(q.Facilities, fv)
	}
	for _, p := range ps {
		pv := newProfessionalView(g.catFor(r), p, true)
		pv.URL = "/registry/verify/professionals/" + p.ID
		q.Professionals = append(q.Professionals, pv)
	}
	if len(fs) == queuePage {
		q.MoreFacilities = "/registry/verify?" + url.Values{"facilities_after": {fs[len(fs)-1].ID}, "professionals_after": {pa}}.Encode()
	}
	if len(ps) == queuePage {
		q.MoreProfessionals = "/registry/verify?" + url.Values{"facilities_after": {fa}, "professionals_after": {ps[len(ps)-1].ID}}.Encode()
	}
	v.Queue = q
	g.render(w, r, http.StatusOK, "registry_queue", v)
}

// reviewFacility shows a facility to a verifier of its state.
func (g *Registry) reviewFacility(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.requireVerifier(w, r); !ok {
		return
	}
	g.review(w, r, g.view(w, r, true), registry.KindFacility, &reviewView{}, http.StatusOK)
}

// reviewProfessional shows a professional to a verifier of their state.
func (g *Registry) reviewProfessional(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.requireVerifier(w, r); !ok {
		return
	}
	g.review(w, r, g.view(w, r, true), registry.KindProfessional, &reviewView{}, http.StatusOK)
}

// review renders the entry at the request's {id} with its history. The
// history is read first: the service refuses it (403) to a verifier of
// another state, where the entry itself would merely not be found.
func (g *Registry) review(w http.ResponseWriter, r *http.Request, v *regView, kind registry.Kind, rv *reviewView, status int) {
	ctx := verifierContext(r.Context(), v.Verifier)
	id := r.PathValue("id")
	hs, err := g.svc.History(ctx, kind, id)
	if err != nil {
		g.verifierFailed(w, r, v, err)
		return
	}
	rv.History = g.newHistory(r, hs)
	var st registry.Status
	switch kind {
	case registry.KindFacility:
		f, err := g.svc.Facility(ctx, id)
		if err != nil {
			g.verifierFailed(w, r, v, err)
			return
		}
		rv.Facility, rv.Action, st = newFacilityView(g.catFor(r), f), "/registry/verify/facilities/"+f.ID, f.Status
	default:
		p, err := g.svc.Professional(ctx, id)
		if err != nil {
			g.verifierFailed(w, r, v, err)
			return
		}
		rv.Pro, rv.Action, st = newProfessionalView(g.catFor(r), p, true), "/registry/verify/professionals/"+p.ID, p.Status
		g.linkFacilities(ctx, rv.Pro)
	}
	rv.CanApprove, rv.CanReject = st != registry.StatusVerified, st != registry.StatusRejected
	v.Review = rv
	g.render(w, r, status, "registry_review", v)
}

// decideFacility approves or rejects a facility.
func (g *Registry) decideFacility(w http.ResponseWriter, r *http.Request, v *regView) {
	g.decide(w, r, v, registry.KindFacility)
}

// decideProfessional approves or rejects a professional.
func (g *Registry) decideProfessional(w http.ResponseWriter, r *http.Request, v *regView) {
	g.decide(w, r, v, registry.KindProfessional)
}

// decide records the verifier's decision on the entry at {id}, then goes
// back to the queue. A rejection needs a reason.
func (g *Registry) decide(w http.ResponseWriter, r *http.Request, v *regView, kind registry.Kind) {
	if v.Verifier == nil {
		if _, ok := g.requireVerifier(w, r); !ok {
			return
		}
	}
	rv := &reviewView{Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	var d registry.Decision
	switch r.PostForm.Get("decision") {
	case "approve":
		d.Status = registry.StatusVerified
	case "reject":
		d.Status, d.Reason = registry.StatusRejected, rv.Reason
		if d.Reason == "" {
			rv.ReasonError = g.catFor(r).text("registry.reject.reason")
			v.Error = g.catFor(r).text("registry.form.fix")
			g.review(w, r, v, kind, rv, http.StatusBadRequest)
			return
		}
	default:
		v.Error = g.catFor(r).text("error.form")
		g.review(w, r, v, kind, rv, http.StatusBadRequest)
		return
	}
	ctx := verifierContext(r.Context(), v.Verifier)
	var err error
	if kind == registry.KindFacility {
		_, err = g.svc.DecideFacility(ctx, r.PathValue("id"), d)
	} else {
		_, err = g.svc.DecideProfessional(ctx, r.PathValue("id"), d)
	}
	switch code := arogya.ErrorCode(err); {
	case err == nil && d.Status == registry.StatusVerified:
		redirect(w, r, "/registry/verify", "registry.approved")
	case err == nil:
		redirect(w, r, "/registry/verify", "registry.rejected")
	case code == arogya.EINVALID:
		rv.ReasonError = errText(g.catFor(r), err)
		v.Error = g.catFor(r).text("registry.form.fix")
		g.review(w, r, v, kind, rv, http.StatusBadRequest)
	case code == arogya.ECONFLICT:
		v.Error = g.catFor(r).text("registry.error.conflict")
		g.review(w, r, v, kind, rv, http.StatusConflict)
	default:
		g.verifierFailed(w, r, v, err)
	}
}

// linkFacilities names the places of work the actor in ctx may see.
func (g *Registry) linkFacilities(ctx context.Context, p *professionalView) {
	if len(p.Facilities) > maxLinkedFacilities {
		p.Facilities = p.Facilities[:maxLinkedFacilities]
	}
	for i, l := range p.Facilities {
		if f, err := g.svc.Facility(ctx, l.ID); err == nil {
			url := "/registry/facilities/" + f.ID
			if f.Status != registry.StatusVerified { // only a verifier of its state sees it
				url = "/registry/verify/facilities/" + f.ID
			}
			p.Facilities[i] = facilityLink{ID: f.ID, Name: f.Name, URL: url}
		}
	}
}
