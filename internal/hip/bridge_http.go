package hip

import (
	"errors"
	"io"
	"net/http"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/httpx"
	"github.com/arogya-health/arogya/internal/protocol"
)

// Register mounts the gateway's callbacks under /hip (the bridge's
// callback URL is <public URL>/hip): each at its v0.5 path /hip/v0.5/…
// and, where it has one, at its v3 path /hip/api/v3/… (protocol.BridgePath),
// whichever version the bridge speaks: the gateway calls in the version
// of the endpoint that last set the URL, and messages already queued may
// come in the other. Both are checked alike (accept); each is answered
// 202 once stored.
func (b *Bridge) Register(mux *http.ServeMux) { b.RegisterAt(mux, "/hip") }

// RegisterAt mounts the callbacks under prefix instead: a node whose HIP
// and HIU share one bridge (BridgeConfig.Shared) mounts both roles'
// callbacks under that bridge's one callback URL too.
func (b *Bridge) RegisterAt(mux *http.ServeMux, prefix string) {
	for _, kind := range inboundKinds {
		route, ok := protocol.ByKind(kind)
		if !ok || route.Dir != protocol.ToBridge {
			panic("hip: no inbound route for " + kind)
		}
		if p := protocol.BridgePath(route, protocol.V05); p != "" {
			mux.HandleFunc("POST "+prefix+p, b.inbound(kind, protocol.V05))
		}
		if p := protocol.BridgePath(route, protocol.V3); p != "" {
			mux.HandleFunc("POST "+prefix+p, b.inbound(p, protocol.V3))
		}
	}
}

// inbound takes a callback in the version; path is the job's Path.
func (b *Bridge) inbound(path, version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		if err := b.accept(r.Context(), path, version, r.Header, body); err != nil {
			httpx.ABDMError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}
}
