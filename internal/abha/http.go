package abha

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Decrypter opens RSA-OAEP secrets sent by clients and publishes the key.
type Decrypter interface {
	DecryptOAEP(ciphertextB64 string) ([]byte, error)
	EncryptionPublicKeyPEM() string
	EncryptionPublicKeyBase64() string
}

// Handler serves the ABHA v3 API and Arogya's own ABHA endpoints.
type Handler struct {
	svc *Service
	dec Decrypter
	now func() time.Time
}

// NewHandler returns a Handler.
func NewHandler(svc *Service, dec Decrypter) *Handler {
	return &Handler{svc: svc, dec: dec, now: svc.cfg.Now}
}

// Register adds the routes to mux. admin wraps operator-only routes.
func (h *Handler) Register(mux *http.ServeMux, admin func(http.Handler) http.Handler) {
	mux.HandleFunc("GET /v3/profile/public/certificate", h.certificate)
	mux.HandleFunc("GET /v1/auth/cert", h.certPEM)

	mux.HandleFunc("POST /v3/enrollment/request/otp", h.abdm(h.enrolRequestOTP))
	mux.HandleFunc("POST /v3/enrollment/enrol/byAadhaar", h.abdm(h.enrolByAadhaar))
	mux.HandleFunc("POST /v3/enrollment/auth/byAbdm", h.abdm(h.authByAbdm))
	mux.HandleFunc("POST /v3/enrollment/enrol/byDocument", h.abdm(h.enrolByDocument))
	mux.HandleFunc("GET /v3/enrollment/enrol/suggestion", h.abdm(h.suggestion))
	mux.HandleFunc("POST /v3/enrollment/enrol/abha-address", h.abdm(h.createAddress))

	mux.HandleFunc("POST /v3/profile/login/request/otp", h.abdm(h.loginRequestOTP))
	mux.HandleFunc("POST /v3/profile/login/verify", h.abdm(h.loginVerify))
	mux.HandleFunc("POST /v3/profile/login/verify/user", h.abdm(h.loginVerifyUser))

	mux.HandleFunc("GET /v3/profile/account", h.abdm(h.reader(h.getAccount)))
	mux.HandleFunc("PATCH /v3/profile/account", h.abdm(h.user(h.patchAccount)))
	mux.HandleFunc("POST /v3/profile/account/request/otp", h.abdm(h.user(h.accountRequestOTP)))
	mux.HandleFunc("POST /v3/profile/account/verify", h.abdm(h.user(h.accountVerify)))
	mux.HandleFunc("GET /v3/profile/account/abha-card", h.abdm(h.user(h.card)))
	mux.HandleFunc("GET /v3/profile/account/qrCode", h.abdm(h.user(h.qrCode)))
	mux.HandleFunc("GET /v3/profile/account/abha/suggestion", h.abdm(h.user(h.accountSuggestion)))
	mux.HandleFunc("POST /v3/profile/account/abha-address", h.abdm(h.user(h.accountAddAddress)))

	// System authentication (ABDM v1), for the consent manager and HIPs
	// calling with a gateway token: http_sysauth.go.
	mux.HandleFunc("POST /v1/auth/init", h.v1(h.system(h.authInit)))
	mux.HandleFunc("POST /v1/auth/confirmWithMobileOTP", h.v1(h.system(h.authConfirmOTP)))
	mux.HandleFunc("POST /v1/auth/confirmWithDemographics", h.v1(h.system(h.authConfirmDemographics)))
	mux.HandleFunc("POST /v1/search/searchByHealthId", h.v1(h.system(h.searchByHealthID)))

	mux.HandleFunc("POST /api/v1/abha/verify-qr", h.api(h.verifyQR))
	mux.HandleFunc("POST /api/v1/abha/token/refresh", h.api(h.refresh))
	mux.HandleFunc("POST /api/v1/abha/logout", h.api(h.user(h.logout)))
	mux.Handle("GET /api/v1/admin/abha/reviews", admin(http.HandlerFunc(h.api(h.listReviews))))
	mux.Handle("POST /api/v1/admin/abha/reviews/{id}", admin(http.HandlerFunc(h.api(h.decideReview))))
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// abdm wraps an ABDM v3 handler: it requires the REQUEST-ID and TIMESTAMP
// headers and writes errors in ABDM's shape.
func (h *Handler) abdm(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h.checkHeaders(r); err != nil {
			httpx.ABDMError(w, r, err)
			return
		}
		if err := f(w, r); err != nil {
			httpx.ABDMError(w, r, err)
		}
	}
}

func (h *Handler) api(f handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			httpx.Error(w, r, err)
		}
	}
}

// TimestampSkew is how far a request's TIMESTAMP may be from the server clock.
const TimestampSkew = 24 * time.Hour

func (h *Handler) checkHeaders(r *http.Request) error {
	id := httpx.Header(r, "REQUEST-ID")
	if id == "" || len(id) > 64 {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1001", "REQUEST-ID header is required (a UUID)")
	}
	ts := httpx.Header(r, "TIMESTAMP")
	if ts == "" {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1001", "TIMESTAMP header is required (ISO 8601, e.g. 2024-05-01T05:10:20.123Z)")
	}
	t, err := ParseTimestamp(ts)
	if err != nil {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1001", "TIMESTAMP header is not an ISO 8601 time")
	}
	if d := h.now().Sub(t); d > TimestampSkew || d < -TimestampSkew {
		return arogya.ABDMError(arogya.EINVALID, "ABDM-1001", "TIMESTAMP header is too far from the current time")
	}
	return nil
}

// ParseTimestamp parses the TIMESTAMP header and body timestamps as ABDM
// clients send them: ISO 8601 with or without fraction and zone (UTC assumed).
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, arogya.Errorf(arogya.EINVALID, "bad timestamp")
}

func (h *Handler) decrypt(field, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", arogya.ABDMError(arogya.EINVALID, "ABDM-1000", field+" is required")
	}
	b, err := h.dec.DecryptOAEP(v)
	if err != nil {
		return "", arogya.ABDMError(arogya.EINVALID, "ABDM-1104",
			field+" could not be decrypted: encrypt it with RSA-OAEP (SHA-1) under the key from /v3/profile/public/certificate")
	}
	return strings.TrimSpace(string(b)), nil
}

func (h *Handler) certificate(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{
		"publicKey":           h.dec.EncryptionPublicKeyBase64(),
		"encryptionAlgorithm": "RSA/ECB/OAEPWithSHA-1AndMGF1Padding",
	})
}

func (h *Handler) certPEM(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(h.dec.EncryptionPublicKeyPEM()))
}

type userKey struct{}

// user requires an X-token and puts the ABHA number in the context.
func (h *Handler) user(f handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok := httpx.BearerToken(httpx.Header(r, "X-token"))
		if tok == "" {
			return arogya.ABDMError(arogya.EUNAUTHORIZED, "ABDM-1017", "X-token header is required")
		}
		number, err := h.svc.Authenticate(r.Context(), tok)
		if err != nil {
			return err
		}
		ctx := arogya.NewContext(r.Context(), arogya.Actor{Kind: arogya.ActorCitizen, ID: number})
		ctx = context.WithValue(ctx, userKey{}, number)
		return f(w, r.WithContext(ctx))
	}
}

func userFrom(r *http.Request) string {
	s, _ := r.Context().Value(userKey{}).(string)
	return s
}
