package abha

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// The wire layer of system authentication (abdm-abha-service-1_0.yml,
// "Authentication"): POST /v1/auth/init, /v1/auth/confirmWithMobileOTP and
// /v1/auth/confirmWithDemographics. Callers send Authorization: Bearer
// <gateway token>; REQUEST-ID and TIMESTAMP are not needed (ABDM's v1 API
// has none). Errors come in ABDM's shape.

type authInitRequest struct {
	AuthMethod string `json:"authMethod"`
	HealthID   string `json:"healthid"` // encoding/json also takes "healthId"
}

type authConfirmOTPRequest struct {
	OTP   string `json:"otp"` // 6 digits, or RSA-OAEP encrypted as v3's otpValue
	TxnID string `json:"txnId"`
}

type authConfirmDemographicsRequest struct {
	TxnID       string    `json:"txnId"`
	Name        string    `json:"name"`
	Gender      string    `json:"gender"`
	YearOfBirth yearField `json:"yearOfBirth"`
}

// yearField is a year of birth sent as "1994" (the spec) or 1994. Anything
// else reads as 0, which the service refuses as not a year.
type yearField int

func (y *yearField) UnmarshalJSON(b []byte) error {
	*y = 0
	b = bytes.TrimSpace(b)
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*y = yearField(yearOf(s))
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err == nil && f == math.Trunc(f) && f >= 1000 && f <= 9999 {
		*y = yearField(f)
	}
	return nil
}

type authTokenResponse struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expiresIn"`
}

type clientKey struct{}

// v1 wraps a handler of ABDM's v1 API: no REQUEST-ID/TIMESTAMP, errors in
// ABDM's shape, nothing cached.
func (h *Handler) v1(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := f(w, r); err != nil {
			httpx.ABDMError(w, r, err)
		}
	}
}

// system requires a gateway token (Authorization: Bearer) and names its
// client as the actor. Without a configured gateway it answers 503.
func (h *Handler) system(f handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !h.svc.SystemAuthConfigured() {
			return systemAuthOff
		}
		tok := httpx.BearerToken(r.Header.Get("Authorization"))
		if tok == "" {
			return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1002", "Authorization: Bearer <gateway token> is required")
		}
		client, err := h.svc.AuthenticateSystem(r.Context(), tok)
		if err != nil {
			return err
		}
		ctx := arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorClient, ID: client})
		ctx = context.WithValue(ctx, clientKey{}, client)
		return f(w, r.WithContext(ctx))
	}
}

func clientFrom(r *http.Request) string {
	s, _ := r.Context().Value(clientKey{}).(string)
	return s
}

func (h *Handler) authInit(w http.ResponseWriter, r *http.Request) error {
	var req authInitRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	txn, err := h.svc.SystemAuthInit(r.Context(), clientFrom(r), req.AuthMethod, req.HealthID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"txnId": txn})
	return nil
}

func (h *Handler) authConfirmOTP(w http.ResponseWriter, r *http.Request) error {
	var req authConfirmOTPRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	otp := strings.TrimSpace(req.OTP)
	if len(otp) != 6 || !allDigits(otp) {
		var err error
		if otp, err = h.decrypt("otp", otp); err != nil {
			return err
		}
	}
	t, err := h.svc.SystemConfirmOTP(r.Context(), clientFrom(r), req.TxnID, otp)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, authTokenResponse{Token: t.Token, ExpiresIn: t.ExpiresIn})
	return nil
}

func (h *Handler) authConfirmDemographics(w http.ResponseWriter, r *http.Request) error {
	var req authConfirmDemographicsRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	t, err := h.svc.SystemConfirmDemographics(r.Context(), clientFrom(r), req.TxnID,
		SystemDemographics{Name: req.Name, Gender: req.Gender, YearOfBirth: int(req.YearOfBirth)})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, authTokenResponse{Token: t.Token, ExpiresIn: t.ExpiresIn})
	return nil
}

// reader is user for reading the profile: it also takes a token from system
// authentication, naming its client as the actor.
func (h *Handler) reader(f handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok := httpx.BearerToken(httpx.Header(r, "X-token"))
		if tok == "" {
			return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "X-token header is required")
		}
		number, client, err := h.svc.AuthenticateRead(r.Context(), tok)
		if err != nil {
			return err
		}
		actor := arogya.Actor{Kind: arogya.ActorCitizen, ID: number}
		if client != "" {
			actor = arogya.Actor{Kind: arogya.ActorClient, ID: client}
		}
		ctx := arogya.NewContext(r.Context(), actor)
		ctx = context.WithValue(ctx, userKey{}, number)
		if client != "" {
			ctx = context.WithValue(ctx, clientKey{}, client)
		}
		return f(w, r.WithContext(ctx))
	}
}

// searchByHealthID takes SearchByHealthIdRequest {"healthId"} and answers
// SearchResponseSingle {"healthId","healthIdNumber","name","status",
// "authMethods"}: the methods a system may verify the person with here.
func (h *Handler) searchByHealthID(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		HealthID string `json:"healthId"`
	}
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	a, err := h.svc.SystemSearch(r.Context(), req.HealthID)
	if err != nil {
		return err
	}
	methods := []string{"DEMOGRAPHICS"}
	if a.Mobile != "" {
		methods = append([]string{"MOBILE_OTP"}, methods...)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"healthId": a.Preferred, "healthIdNumber": FormatNumber(a.Number),
		"name": a.FullName(), "status": a.Status, "authMethods": methods})
	return nil
}
