package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
)

// Enrolment steps, carried in the form's "step" field.
const (
	stepAadhaar = "aadhaar" // Aadhaar number and consent
	stepOTP     = "otp"     // Aadhaar OTP and optional mobile
	stepMobile  = "mobile"  // OTP of a mobile other than the Aadhaar one
	stepAddress = "address" // choose or type an ABHA address
)

// enrolStepNo numbers the steps for the progress line; the mobile check is
// part of the second step.
var enrolStepNo = map[string]int{stepAadhaar: 1, stepOTP: 2, stepMobile: 2, stepAddress: 3}

// enrolView starts the view of an enrolment step.
func enrolView(v *view, step string) *view {
	v.Step, v.StepNo, v.StepsTotal = step, enrolStepNo[step], 3
	return v
}

// enrolGet shows the first step.
func (p *ABHA) enrolGet(w http.ResponseWriter, r *http.Request) {
	_, _, ok := p.citizen(r)
	v := enrolView(&view{CSRF: p.csrfToken(w, r), LoggedIn: ok}, stepAadhaar)
	p.render(w, r, http.StatusOK, "enrol", v)
}

// enrolPost handles every enrolment step.
func (p *ABHA) enrolPost(w http.ResponseWriter, r *http.Request, v *view) {
	f := r.PostForm
	v.TxnID = strings.TrimSpace(f.Get("txnId"))
	v.Masked = f.Get("masked")
	switch step := f.Get("step"); step {
	case stepAadhaar:
		p.enrolAadhaar(w, r, enrolView(v, step))
	case stepOTP:
		p.enrolOTP(w, r, enrolView(v, step))
	case stepMobile:
		p.enrolMobile(w, r, enrolView(v, step))
	case stepAddress:
		p.enrolAddress(w, r, enrolView(v, step))
	default:
		p.fail(w, r, "enrol", enrolView(v, stepAadhaar), p.userError(r, arogya.EINVALID, "error.form"))
	}
}

// enrolAadhaar sends the Aadhaar OTP. The Aadhaar number is never echoed
// back into a page.
func (p *ABHA) enrolAadhaar(w http.ResponseWriter, r *http.Request, v *view) {
	if r.PostForm.Get("consent") != "yes" {
		p.fail(w, r, "enrol", v, p.userError(r, arogya.EINVALID, "enrol.consent.missing"))
		return
	}
	txn, masked, err := p.svc.RequestAadhaarOTP(r.Context(), r.PostForm.Get("aadhaar"))
	if err != nil {
		p.fail(w, r, "enrol", v, err)
		return
	}
	v.TxnID, v.Masked = txn, masked
	p.render(w, r, http.StatusOK, "enrol", enrolView(v, stepOTP))
}

// enrolOTP verifies the Aadhaar OTP, which creates the ABHA (or finds the
// existing one) and logs the holder in.
func (p *ABHA) enrolOTP(w http.ResponseWriter, r *http.Request, v *view) {
	v.Mobile = strings.TrimSpace(r.PostForm.Get("mobile"))
	res, err := p.svc.EnrolByAadhaar(r.Context(), v.TxnID, r.PostForm.Get("otp"), v.Mobile)
	if err != nil {
		p.fail(w, r, "enrol", v, err)
		return
	}
	startSession(w, r, res.Tokens)
	v.LoggedIn = true
	if !res.IsNew {
		redirect(w, r, "/abha/profile", "existing")
		return
	}
	ctx := arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorCitizen, ID: res.Account.Number})
	if !res.MobileVerified {
		_, masked, err := p.svc.RequestMobileOTP(ctx, v.TxnID, v.Mobile)
		if err == nil {
			v.Masked = masked
			p.render(w, r, http.StatusOK, "enrol", enrolView(v, stepMobile))
			return
		}
		// The ABHA exists; the other mobile can be linked later. Say why
		// it was not, and go on.
		errStatus(r, err)
		v.Error = errText(p.catFor(r), err)
	}
	p.showAddress(ctx, w, r, enrolView(v, stepAddress), http.StatusOK)
}

// enrolMobile verifies the OTP of the mobile to link.
func (p *ABHA) enrolMobile(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, _, _ := p.citizen(r)
	if _, err := p.svc.VerifyMobileOTP(ctx, v.TxnID, r.PostForm.Get("otp")); err != nil {
		p.fail(w, r, "enrol", v, err)
		return
	}
	p.showAddress(ctx, w, r, enrolView(v, stepAddress), http.StatusOK)
}

// enrolAddress creates the chosen or typed ABHA address as the preferred
// one, or skips the step.
func (p *ABHA) enrolAddress(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, _, _ := p.citizen(r)
	if r.PostForm.Get("skip") != "" {
		redirect(w, r, "/abha/profile", "created")
		return
	}
	handle := strings.TrimSpace(r.PostForm.Get("custom"))
	if handle == "" {
		handle = strings.TrimSpace(r.PostForm.Get("choice"))
	}
	var err error
	if handle == "" {
		err = p.userError(r, arogya.EINVALID, "enrol.address.missing")
	} else {
		_, _, err = p.svc.CreateAddress(ctx, v.TxnID, handle, true)
	}
	if err != nil {
		v.Error = errText(p.catFor(r), err)
		p.showAddress(ctx, w, r, v, errStatus(r, err))
		return
	}
	redirect(w, r, "/abha/profile", "created")
}

// showAddress renders the address step with fresh suggestions.
func (p *ABHA) showAddress(ctx context.Context, w http.ResponseWriter, r *http.Request, v *view, status int) {
	list, err := p.svc.Suggest(ctx, v.TxnID)
	if err != nil && v.Error == "" {
		p.fail(w, r, "enrol", v, err)
		return
	}
	v.Suggestions = list
	p.render(w, r, status, "enrol", v)
}
