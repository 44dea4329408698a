package abha

import (
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

func (h *Handler) enrolRequestOTP(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if !req.has("abha-enrol") {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "scope must include abha-enrol")
	}
	// The spec's "Request OTP for mobile verification" example carries an
	// OTP to verify rather than a mobile to send to.
	if req.LoginHint == "" && req.AuthData != nil {
		return h.verifyMobile(w, r, req)
	}
	switch strings.ToLower(req.LoginHint) {
	case "aadhaar":
		aadhaar, err := h.decrypt("loginId", req.LoginID)
		if err != nil {
			return err
		}
		txn, masked, err := h.svc.RequestAadhaarOTP(r.Context(), aadhaar)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, txnResponse{TxnID: txn,
			Message: "OTP is sent to Aadhaar registered mobile number ending with " + masked})
	case "mobile":
		mobile, err := h.decrypt("loginId", req.LoginID)
		if err != nil {
			return err
		}
		txn, masked, err := h.svc.RequestMobileOTP(r.Context(), req.TxnID, mobile)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, txnResponse{TxnID: txn, Message: "OTP is sent to Mobile number ending with " + masked})
	case "email":
		return arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1120", "Email verification is not offered by this node")
	default:
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "loginHint must be aadhaar or mobile")
	}
	return nil
}

func (h *Handler) enrolByAadhaar(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkConsent(req.Consent); err != nil {
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
	res, err := h.svc.EnrolByAadhaar(r.Context(), o.TxnID, otp, o.Mobile)
	if err != nil {
		return err
	}
	msg := "Account created successfully"
	if !res.IsNew {
		msg = "This account already exists"
	}
	httpx.WriteJSON(w, http.StatusOK, enrolResponse{Message: msg, TxnID: res.TxnID, Tokens: tokensOf(res.Tokens),
		ABHAProfile: profileOf(res.Account), IsNew: res.IsNew, MobileVerified: res.MobileVerified})
	return nil
}

func checkConsent(c *consent) error {
	if c == nil || c.Code != "abha-enrollment" || c.Version == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "consent {code: abha-enrollment, version} is required")
	}
	return nil
}

func otpOf(a *authData) (*otpAuth, error) {
	if a == nil || a.OTP == nil {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "authData.otp is required")
	}
	ok := false
	for _, m := range a.AuthMethods {
		ok = ok || strings.EqualFold(m, "otp")
	}
	if !ok {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1000", "authData.authMethods must include otp")
	}
	if a.OTP.TxnID == "" {
		return nil, arogya.ABDMError(arogya.EINVALID, "ABDM-1204", "authData.otp.txnId is required")
	}
	return a.OTP, nil
}

func (h *Handler) authByAbdm(w http.ResponseWriter, r *http.Request) error {
	var req v3Request
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	return h.verifyMobile(w, r, req)
}

func (h *Handler) verifyMobile(w http.ResponseWriter, r *http.Request, req v3Request) error {
	if req.has("email-verify") {
		return arogya.ABDMError(arogya.EUNPROCESSABLE, "ABDM-1120", "Email verification is not offered by this node")
	}
	o, err := otpOf(req.AuthData)
	if err != nil {
		return err
	}
	otp, err := h.decrypt("otpValue", o.OTPValue)
	if err != nil {
		return err
	}
	res, err := h.svc.VerifyMobileOTP(r.Context(), o.TxnID, otp)
	if err != nil {
		return err
	}
	out := txnResponse{TxnID: res.TxnID, AuthResult: "success", Message: res.Message}
	for _, n := range res.Accounts {
		out.Accounts = append(out.Accounts, acctNo{ABHANumber: FormatNumber(n)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) enrolByDocument(w http.ResponseWriter, r *http.Request) error {
	var req documentRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkConsent(req.Consent); err != nil {
		return err
	}
	for _, p := range []struct{ name, v string }{{"frontSidePhoto", req.FrontSidePhoto}, {"backSidePhoto", req.BackSidePhoto}} {
		if err := checkPhoto(p.name, p.v); err != nil {
			return err
		}
	}
	res, err := h.svc.EnrolByDocument(r.Context(), req.TxnID, DocumentEnrolment{
		DocumentType: req.DocumentType, DocumentID: req.DocumentID, FirstName: req.FirstName, MiddleName: req.MiddleName,
		LastName: req.LastName, BirthDate: req.DOB, Gender: req.Gender, Address: req.Address, State: req.State,
		District: req.District, PinCode: req.PinCode})
	if err != nil {
		return err
	}
	a := res.Account
	var email *string
	if a.Email != "" {
		email = &a.Email
	}
	p := enrolProfile{EnrolmentNumber: FormatNumber(a.Number), EnrolmentState: "PROVISIONAL", FirstName: a.FirstName,
		MiddleName: a.MiddleName, LastName: a.LastName, DOB: a.BirthDate, Gender: a.Gender, Mobile: a.Mobile, Email: email,
		Address: a.AddressLine, DistrictCode: a.DistrictCode, District: DistrictName(a.StateCode, a.DistrictCode),
		StateCode: a.StateCode, State: StateName(a.StateCode), ABHAType: a.Type, PinCode: a.PinCode,
		ABHAStatus: a.Status, PHRAddress: a.Addresses}
	msg := "Account created successfully"
	if !res.IsNew {
		msg = "This account already exists"
	}
	httpx.WriteJSON(w, http.StatusOK, documentResponse{Message: msg, TxnID: res.TxnID, EnrolProfile: p, EnrolProfileC: p,
		Tokens: tokensOf(res.Tokens), IsNew: res.IsNew})
	return nil
}

// checkPhoto accepts an optional base64 JPEG or PNG of at most 1 MB.
func checkPhoto(field, v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 1400000 {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", field+" is larger than 1 MB")
	}
	head := v
	if len(head) > 16 {
		head = head[:16]
	}
	// JPEG starts /9j/, PNG iVBORw0KGgo in base64.
	if !strings.HasPrefix(head, "/9j/") && !strings.HasPrefix(head, "iVBORw0KGgo") {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1000", field+" must be a base64 JPEG or PNG")
	}
	return nil
}

func (h *Handler) suggestion(w http.ResponseWriter, r *http.Request) error {
	txn := httpx.Header(r, "TRANSACTION-ID")
	if txn == "" {
		txn = r.Header.Get("Transaction_Id")
	}
	list, err := h.svc.Suggest(r.Context(), txn)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"txnId": txn, "abhaAddressList": list})
	return nil
}

func (h *Handler) createAddress(w http.ResponseWriter, r *http.Request) error {
	var req addressRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	a, full, err := h.svc.CreateAddress(r.Context(), req.TxnID, req.ABHAAddress, req.Preferred == 1)
	if err != nil {
		return err
	}
	pref := a.Preferred
	if req.Preferred == 1 {
		pref = full
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"txnId": req.TxnID, "healthIdNumber": FormatNumber(a.Number),
		"preferredAbhaAddress": strings.TrimSuffix(pref, "@"+h.svc.CMID()), "abhaAddress": full})
	return nil
}
