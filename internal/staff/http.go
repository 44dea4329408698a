package staff

import (
	"context"
	"net/http"
	"time"

	"github.com/arogya-health/arogya/internal/httpx"
)

// API is what a role's account endpoints call on its service: the hip
// and hiu services' staff methods, which check the role's state before
// their accounts are reached.
type API interface {
	AddStaff(ctx context.Context, facilityID, hprID string) (*Account, string, error)
	DisableStaff(ctx context.Context, facilityID, hprID string) error
	StaffSignIn(ctx context.Context, facilityID, hprID, password string) (string, time.Time, error)
	ChangeStaffPassword(ctx context.Context, facilityID, hprID, old, next string) error
}

// AddHandler serves the operator's POST …/facilities/{id}/staff:
// {"hprId"} → 201 with what answer makes of the new account and its
// one-time password (the roles' answers differ), never cached.
func AddHandler(svc API, answer func(a *Account, password string) map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			HPRID string `json:"hprId"`
		}
		if err := httpx.DecodeJSON(r, &req); err != nil {
			httpx.Error(w, r, err)
			return
		}
		a, password, err := svc.AddStaff(r.Context(), r.PathValue("id"), req.HPRID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusCreated, answer(a, password))
	}
}

// SignInHandler serves POST …/{facilityParam}/staff/sign-in:
// {"hprId","password"} → {"token","expiresAt"}, never cached.
func SignInHandler(svc API, facilityParam string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			HPRID    string `json:"hprId"`
			Password string `json:"password"`
		}
		if err := httpx.DecodeJSON(r, &req); err != nil {
			httpx.Error(w, r, err)
			return
		}
		tok, exp, err := svc.StaffSignIn(r.Context(), r.PathValue(facilityParam), req.HPRID, req.Password)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "expiresAt": exp})
	}
}

// PasswordHandler serves POST …/{facilityParam}/staff/password:
// {"hprId","password","newPassword"} → 204. The one-time password is
// accepted here, and only here.
func PasswordHandler(svc API, facilityParam string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			HPRID       string `json:"hprId"`
			Password    string `json:"password"`
			NewPassword string `json:"newPassword"`
		}
		if err := httpx.DecodeJSON(r, &req); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := svc.ChangeStaffPassword(r.Context(), r.PathValue(facilityParam), req.HPRID, req.Password, req.NewPassword); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// DisableHandler serves the operator's DELETE …/facilities/{id}/staff/{hprId}:
// the account stops working at once; what its holder wrote stays, with
// their name on it.
func DisableHandler(svc API) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := svc.DisableStaff(r.Context(), r.PathValue("id"), r.PathValue("hprId")); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
