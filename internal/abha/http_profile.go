package abha

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

func (h *Handler) loginRequestOTP(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if !req.has("abha-login") {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "scope must include abha-login")
	}
	id, err := h.decrypt("loginId", req.LoginID)
	if err != nil {
		return err
	}
	hint := strings.ToLower(req.LoginHint)
	if hint == "abha_number" || hint == "abhanumber" {
		hint = HintABHANumber
	}
	txn, masked, err := h.svc.RequestLoginOTP(r.Context(), hint, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, txnResponse{TxnID: txn, Message: "OTP is sent to Mobile number ending with " + masked})
	return nil
}

func (h *Handler) loginVerify(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.AuthData != nil && req.AuthData.Password != nil {
		p := req.AuthData.Password
		pw, err := h.decrypt("password", p.Password)
		if err != nil {
			return err
		}
		hint, id := HintABHANumber, p.ABHANumber
		if id == "" {
			hint, id = HintABHAAddress, p.ABHAAddress
		}
		res, err := h.svc.LoginPassword(r.Context(), hint, id, pw)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, loginOf(res, "Password verified successfully"))
		return nil
	}
	o, err := otpOf(req.AuthData)
	if err != nil {
		return err
	}
	otp, err := h.decrypt("otpValue", o.OTPValue)
	if err != nil {
		return err
	}
	res, err := h.svc.VerifyLoginOTP(r.Context(), o.TxnID, otp)
	if err != nil {
		return err
	}
	msg := "OTP verified successfully"
	if res.Choose {
		msg = "OTP verified. Several ABHAs are linked to this mobile: choose one with /v3/profile/login/verify/user"
	}
	httpx.WriteJSON(w, http.StatusOK, loginOf(res, msg))
	return nil
}

func (h *Handler) loginVerifyUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ABHANumber string `json:"ABHANumber"`
		TxnID      string `json:"txnId"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	tok := httpx.BearerToken(httpx.Header(r, "T-token"))
	if tok == "" {
		return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "T-token header is required")
	}
	res, err := h.svc.ChooseAccount(r.Context(), tok, req.TxnID, req.ABHANumber)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, loginOf(res, "User verified successfully"))
	return nil
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	profile := h.svc.Profile
	if clientFrom(r) != "" { // a token from system authentication
		profile = h.svc.SystemProfile
	}
	a, err := profile(r.Context(), userFrom(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, accountOf(a))
	return nil
}

func (h *Handler) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var req profileUpdateRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Mobile != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000",
			"mobile changes need an OTP on the new mobile: use /v3/profile/account/request/otp with scope mobile-verify")
	}
	if req.FirstName != nil || req.LastName != nil || req.DateOfBirth != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "name and birth date come from KYC and cannot be changed here")
	}
	u := ProfileUpdate{Email: req.Email, AddressLine: req.Address, PinCode: req.PinCode, Preferred: req.Preferred}
	if req.Password != nil {
		pw, err := h.decrypt("password", *req.Password)
		if err != nil {
			return err
		}
		u.Password = &pw
	}
	if req.Current != nil {
		cur, err := h.decrypt("currentPassword", *req.Current)
		if err != nil {
			return err
		}
		u.CurrentPassword = &cur
	}
	a, err := h.svc.UpdateProfile(r.Context(), userFrom(r), u)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, accountOf(a))
	return nil
}

func (h *Handler) accountRequestOTP(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	var action, mobile string
	switch {
	case req.has(ActionMobile):
		m, err := h.decrypt("loginId", req.LoginID)
		if err != nil {
			return err
		}
		action, mobile = ActionMobile, m
	case req.has(ActionDeactivate):
		action = ActionDeactivate
	case req.has(ActionReactivate):
		action = ActionReactivate
	case req.has(ActionDelete):
		action = ActionDelete
	}
	txn, masked, err := h.svc.RequestProfileOTP(r.Context(), userFrom(r), action, mobile)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, txnResponse{TxnID: txn, Message: "OTP is sent to Mobile number ending with " + masked})
	return nil
}

func (h *Handler) accountVerify(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	o, err := otpOf(req.AuthData)
	if err != nil {
		return err
	}
	otp, err := h.decrypt("otpValue", o.OTPValue)
	if err != nil {
		return err
	}
	msg, err := h.svc.VerifyProfileOTP(r.Context(), userFrom(r), o.TxnID, otp)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, txnResponse{TxnID: o.TxnID, AuthResult: "success", Message: msg})
	return nil
}

func (h *Handler) card(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Card(r.Context(), userFrom(r))
	if err != nil {
		return err
	}
	var body []byte
	ctype := "image/png"
	if strings.Contains(r.Header.Get("Accept"), "application/pdf") || r.URL.Query().Get("format") == "pdf" {
		ctype = "application/pdf"
		body, err = RenderCardPDF(c)
	} else {
		body, err = RenderCardPNG(c)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	ext := ".png"
	if ctype == "application/pdf" {
		ext = ".pdf"
	}
	w.Header().Set("Content-Disposition", `attachment; filename="abha-card`+ext+`"`)
	_, _ = w.Write(body)
	return nil
}

func (h *Handler) qrCode(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Card(r.Context(), userFrom(r))
	if err != nil {
		return err
	}
	png, err := RenderQRPNG(c.QR, 512)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
	return nil
}

func (h *Handler) accountSuggestion(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.SuggestFor(r.Context(), userFrom(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"abhaAddressList": list})
	return nil
}

func (h *Handler) accountAddAddress(w http.ResponseWriter, r *http.Request) error {
	var req addressRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	full, err := h.svc.AddAddress(r.Context(), userFrom(r), req.ABHAAddress, req.Preferred == 1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"abhaAddress": full})
	return nil
}

func (h *Handler) verifyQR(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		QR string `json:"qr"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	v, err := h.svc.VerifyQR(r.Context(), req.QR)
	if err != nil {
		return err
	}
	out := map[string]any{"valid": v.Valid}
	if v.Reason != "" {
		out["reason"] = v.Reason
	}
	if v.KeyID != "" {
		out["kid"] = v.KeyID
	}
	if v.Claims != nil {
		out["card"] = map[string]any{"abhaNumber": v.Claims.Number, "abhaAddress": v.Claims.Address, "name": v.Claims.Name,
			"gender": v.Claims.Gender, "dob": v.Claims.BirthDate, "issuedAt": v.Claims.IssuedAt}
	}
	if v.Status != "" {
		out["abhaStatus"] = v.Status
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	t, err := h.svc.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, tokensOf(t))
	return nil
}

type reviewJSON struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Score     float64  `json:"score"`
	Matches   []string `json:"matches"` // masked ABHA numbers
	CreatedAt string   `json:"createdAt"`
	District  string   `json:"districtCode"`
	Number    string   `json:"abhaNumber,omitempty"`
}

func (h *Handler) listReviews(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.Reviews(r.Context(), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	out := []reviewJSON{}
	for _, rv := range list {
		out = append(out, reviewOf(rv))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"reviews": out})
	return nil
}

func reviewOf(rv *Review) reviewJSON {
	j := reviewJSON{ID: rv.ID, Status: rv.Status, Score: rv.Score, CreatedAt: rv.CreatedAt.Format("2006-01-02T15:04:05Z"),
		District: rv.Candidate.DistrictCode, Number: FormatNumber(rv.Candidate.Number)}
	if rv.Candidate.Number == "" {
		j.Number = ""
	}
	for _, m := range rv.Matches {
		j.Matches = append(j.Matches, "**-****-****-"+last4(m))
	}
	return j
}

func (h *Handler) decideReview(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Decision string `json:"decision"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	rv, err := h.svc.DecideReview(r.Context(), r.PathValue("id"), strings.ToUpper(req.Decision))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, reviewOf(rv))
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.Logout(r.Context(), userFrom(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
