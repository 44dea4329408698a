package web

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
)

// Login steps, carried in the form's "step" field.
const (
	stepStart  = "start"  // login id, then OTP or password
	stepChoose = "choose" // several ABHAs on one mobile
)

// loginHints are the accepted values of the "hint" radio.
var loginHints = map[string]bool{abha.HintABHANumber: true, abha.HintABHAAddress: true, abha.HintMobile: true}

// loginGet shows the login form.
func (p *ABHA) loginGet(w http.ResponseWriter, r *http.Request) {
	_, _, ok := p.citizen(r)
	v := &view{CSRF: p.csrfToken(w, r), LoggedIn: ok, Step: stepStart, Hint: abha.HintABHANumber,
		Notice: noticeID(p.cat, r.URL.Query().Get("notice"))}
	p.render(w, r, http.StatusOK, "login", v)
}

// loginPost handles every login step.
func (p *ABHA) loginPost(w http.ResponseWriter, r *http.Request, v *view) {
	f := r.PostForm
	v.TxnID = strings.TrimSpace(f.Get("txnId"))
	v.Masked = f.Get("masked")
	switch v.Step = f.Get("step"); v.Step {
	case stepStart:
		p.loginStart(w, r, v)
	case stepOTP:
		res, err := p.svc.VerifyLoginOTP(r.Context(), v.TxnID, f.Get("otp"))
		if err != nil {
			p.fail(w, r, "login", v, err)
			return
		}
		if res.Choose {
			v.Step, v.TToken, v.TxnID = stepChoose, res.Tokens.Token, res.TxnID
			for _, a := range res.Accounts {
				v.Accounts = append(v.Accounts, accountView{Number: a.Number, Formatted: abha.FormatNumber(a.Number),
					Address: a.Preferred, Name: a.FullName()})
			}
			p.render(w, r, http.StatusOK, "login", v)
			return
		}
		p.loggedIn(w, r, res.Tokens)
	case stepChoose:
		number := f.Get("number")
		if number == "" {
			// Nothing to show again without the list; start over.
			v.Step = stepStart
			p.fail(w, r, "login", v, p.userError(r, arogya.EINVALID, "login.choose.missing"))
			return
		}
		res, err := p.svc.ChooseAccount(r.Context(), f.Get("tToken"), v.TxnID, number)
		if err != nil {
			v.Step = stepStart
			p.fail(w, r, "login", v, err)
			return
		}
		p.loggedIn(w, r, res.Tokens)
	default:
		v.Step = stepStart
		p.fail(w, r, "login", v, p.userError(r, arogya.EINVALID, "error.form"))
	}
}

// loginStart sends a login OTP, or checks a password.
func (p *ABHA) loginStart(w http.ResponseWriter, r *http.Request, v *view) {
	f := r.PostForm
	v.Hint, v.LoginID = f.Get("hint"), strings.TrimSpace(f.Get("loginId"))
	if !loginHints[v.Hint] {
		v.Hint = abha.HintABHANumber
		p.fail(w, r, "login", v, p.userError(r, arogya.EINVALID, "login.hint.invalid"))
		return
	}
	if f.Get("action") == "password" {
		if v.Hint == abha.HintMobile {
			p.fail(w, r, "login", v, p.userError(r, arogya.EINVALID, "login.password.mobile"))
			return
		}
		res, err := p.svc.LoginPassword(r.Context(), v.Hint, v.LoginID, f.Get("password"))
		if err != nil {
			p.fail(w, r, "login", v, err)
			return
		}
		p.loggedIn(w, r, res.Tokens)
		return
	}
	txn, masked, err := p.svc.RequestLoginOTP(r.Context(), v.Hint, v.LoginID)
	if err != nil {
		p.fail(w, r, "login", v, err)
		return
	}
	v.Step, v.TxnID, v.Masked = stepOTP, txn, masked
	p.render(w, r, http.StatusOK, "login", v)
}

// loggedIn starts the session and goes to the profile.
func (p *ABHA) loggedIn(w http.ResponseWriter, r *http.Request, t abha.Tokens) {
	startSession(w, r, t)
	redirect(w, r, "/abha/profile", "loggedin")
}
