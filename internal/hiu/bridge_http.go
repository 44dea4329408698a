package hiu

import (
	"errors"
	"io"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Register mounts the gateway's callbacks under /hiu/v0.5/… (the bridge's
// callback URL is <public URL>/hiu), each answered 202 once stored, and
// the data push at PushPath, answered 202 once its records are kept.
func (b *Bridge) Register(mux *http.ServeMux) {
	b.RegisterAt(mux, "/hiu")
	mux.HandleFunc("POST "+PushPath, b.push)
}

// RegisterAt mounts the gateway's callbacks under prefix instead (the push
// stays at PushPath): a node whose HIP and HIU share one bridge
// (BridgeConfig.Shared) mounts both roles' callbacks under that bridge's
// one callback URL too.
func (b *Bridge) RegisterAt(mux *http.ServeMux, prefix string) {
	for _, kind := range inboundKinds {
		mux.HandleFunc("POST "+prefix+"/v0.5/"+kind, func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInbound))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					httpx.ABDMError(w, r, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the message is larger than 1 MiB"))
					return
				}
				httpx.ABDMError(w, r, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the message could not be read"))
				return
			}
			if err := b.accept(r.Context(), kind, r.Header, body); err != nil {
				httpx.ABDMError(w, r, err)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		})
	}
}

// push takes POST /hiu/v0.5/health-information/transfer.
func (b *Bridge) push(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > MaxPage {
		tooLarge(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPage))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge(w)
			return
		}
		httpx.ABDMError(w, r, arogya.ABDMError(arogya.EINVALID, "ABDM-1017", "the page could not be read"))
		return
	}
	if err := b.Receive(r.Context(), body); err != nil {
		httpx.ABDMError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func tooLarge(w http.ResponseWriter) {
	httpx.WriteJSON(w, http.StatusRequestEntityTooLarge, httpx.ErrorBody{Error: httpx.ErrorDetail{Code: "ABDM-1017", Message: "a page is at most 64 MiB"}})
}
