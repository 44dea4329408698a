package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/notify"
)

// profileView is the holder's account as the profile page shows it.
type profileView struct {
	Name      string
	Number    string // formatted NN-NNNN-NNNN-NNNN
	Preferred string
	Addresses []string
	Gender    string // message id
	BirthDate string // DD-MM-YYYY
	Mobile    string // masked
	Email     string
	Address   string
	District  string
	State     string
	PinCode   string
	KYC       bool
	// HasPassword asks for the current password before a new one.
	HasPassword bool
}

// newProfileView prepares a for display, in cat's language.
func newProfileView(cat catalogue, a *abha.Account) *profileView {
	v := &profileView{
		Name: a.FullName(), Number: abha.FormatNumber(a.Number), Preferred: a.Preferred, Addresses: a.Addresses,
		Gender: "gender." + a.Gender, BirthDate: a.BirthDate, Email: a.Email, Address: a.AddressLine,
		State: stateName(cat, a.StateCode), District: abha.DistrictName(a.StateCode, a.DistrictCode),
		PinCode: a.PinCode, KYC: a.KYCVerified, HasPassword: a.PasswordHash != "",
	}
	if a.Mobile != "" {
		v.Mobile = notify.MaskMobile(a.Mobile)
	}
	// Indian convention: day first.
	if b := a.BirthDate; len(b) == 10 && b[4] == '-' && b[7] == '-' {
		v.BirthDate = b[8:] + "-" + b[5:7] + "-" + b[:4]
	}
	return v
}

// profileGet shows the holder's details and card downloads.
func (p *ABHA) profileGet(w http.ResponseWriter, r *http.Request) {
	ctx, number, ok := p.requireCitizen(w, r)
	if !ok {
		return
	}
	v := &view{CSRF: p.csrfToken(w, r), LoggedIn: true, Notice: noticeID(p.cat, r.URL.Query().Get("notice"))}
	p.showProfile(ctx, w, r, number, v, http.StatusOK)
}

// showProfile loads the account into v and renders the profile page. An
// account that is gone ends the session.
func (p *ABHA) showProfile(ctx context.Context, w http.ResponseWriter, r *http.Request, number string, v *view, status int) {
	a, err := p.svc.Profile(ctx, number)
	if arogya.ErrorCode(err) == arogya.ENOTFOUND {
		endSession(w, r)
		redirect(w, r, "/abha/login", "expired")
		return
	}
	if err != nil {
		p.fail(w, r, "error", v, err)
		return
	}
	v.Profile = newProfileView(p.catFor(r), a)
	p.render(w, r, status, "profile", v)
}

// profilePost saves changed contact details and, if given, a password.
func (p *ABHA) profilePost(w http.ResponseWriter, r *http.Request, v *view) {
	ctx, number, ok := p.requireCitizen(w, r)
	if !ok {
		return
	}
	cur, err := p.svc.Profile(ctx, number)
	if err != nil {
		p.fail(w, r, "error", v, err)
		return
	}
	f := r.PostForm
	var u abha.ProfileUpdate
	changed := func(field, old string) *string {
		s := strings.TrimSpace(f.Get(field))
		if _, sent := f[field]; !sent || s == old {
			return nil
		}
		return &s
	}
	u.Email = changed("email", cur.Email)
	u.AddressLine = changed("addressLine", cur.AddressLine)
	u.PinCode = changed("pinCode", cur.PinCode)
	if pw := f.Get("password"); pw != "" {
		u.Password = &pw
		if cur := f.Get("currentPassword"); cur != "" {
			u.CurrentPassword = &cur
		}
	}
	if u.Email == nil && u.AddressLine == nil && u.PinCode == nil && u.Password == nil {
		v.Notice = "profile.edit.nothing"
		p.showProfile(ctx, w, r, number, v, http.StatusOK)
		return
	}
	if _, err := p.svc.UpdateProfile(ctx, number, u); err != nil {
		v.Error = errText(p.catFor(r), err)
		p.showProfile(ctx, w, r, number, v, errStatus(r, err))
		return
	}
	redirect(w, r, "/abha/profile", "saved")
}

// cardPNG downloads the ABHA card as an image.
func (p *ABHA) cardPNG(w http.ResponseWriter, r *http.Request) {
	p.card(w, r, "image/png", "abha-card.png", abha.RenderCardPNG)
}

// cardPDF downloads the ABHA card as a PDF.
func (p *ABHA) cardPDF(w http.ResponseWriter, r *http.Request) {
	p.card(w, r, "application/pdf", "abha-card.pdf", abha.RenderCardPDF)
}

// card renders the holder's signed card with render and sends it as an
// attachment.
func (p *ABHA) card(w http.ResponseWriter, r *http.Request, ctype, filename string, render func(abha.Card) ([]byte, error)) {
	ctx, number, ok := p.requireCitizen(w, r)
	if !ok {
		return
	}
	c, err := p.svc.Card(ctx, number)
	var body []byte
	if err == nil {
		body, err = render(c)
	}
	if err != nil {
		p.fail(w, r, "error", &view{CSRF: p.csrfToken(w, r), LoggedIn: true}, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// logout ends the session.
func (p *ABHA) logout(w http.ResponseWriter, r *http.Request, v *view) {
	// End the session on the server too, so that a copied cookie is
	// worthless; a failure here still clears this browser's cookie.
	if ctx, number, ok := p.citizen(r); ok {
		if err := p.svc.Logout(ctx, number); err != nil {
			slog.WarnContext(r.Context(), "web: logout", "err", err.Error())
		}
	}
	endSession(w, r)
	redirect(w, r, "/abha/", "logout")
}
