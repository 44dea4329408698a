package hip

import (
	"errors"
	"io"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
)

// Register mounts the gateway's callbacks under /hip/v0.5/… (the bridge's
// callback URL is <public URL>/hip). Each is answered 202 once stored.
func (b *Bridge) Register(mux *http.ServeMux) {
	for _, kind := range inboundKinds {
		mux.HandleFunc("POST /hip/v0.5/"+kind, func(w http.ResponseWriter, r *http.Request) {
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
