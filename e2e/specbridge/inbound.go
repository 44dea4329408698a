package specbridge

// Messages from the gateway, and accepting them. Sources: abdm-protocol.md
// §2.2–§2.4.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"strings"
	"time"
)

// Inbound is one message the gateway sent this bridge.
type Inbound struct {
	Version      string // the envelope's version, V05 or V3, told by the path (/v0.5/… or /api/v3/…)
	RequestID    string // requestId (v0.5 body) or REQUEST-ID (v3 header)
	InResponseTo string // resp.requestId (v0.5) or response.requestId (v3); "" for a request
	Body         []byte // the JSON body, as received
}

// header reads a header in either spelling: the v3 YAML writes
// underscores, working clients send hyphens (§2.3).
func header(r *http.Request, name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return r.Header.Get(strings.ReplaceAll(name, "-", "_"))
}

// ErrorBody is ABDM's error object carrying message, in the form of the
// version (V05 or V3): v0.5's Error has an integer code (the spec's enum
// is 1000 and 10001), v3 writes codes as "ABDM-nnnn" (§2.3).
// The v3 specs with their codes are not in reference/, so v3 gets the same
// number.
func ErrorBody(version, message string) map[string]any {
	if version == V3 {
		return map[string]any{"code": "ABDM-1000", "message": message}
	}
	return map[string]any{"code": 1000, "message": message}
}

// refuse answers a message synchronously with an error: only for checks
// of the call itself (token, headers, envelope), per §2.4.
func refuse(w http.ResponseWriter, version string, status int, message string) {
	WriteJSON(w, status, map[string]any{"error": ErrorBody(version, message)})
}

// accept serves a message from the gateway: it checks the gateway's token,
// the header naming this bridge's service and the envelope, answers 202 at
// once and passes the message to handle afterwards, under ctx (the
// program's life) for at most a minute, as ABDM's asynchronous pattern
// asks (§2.4).
func (g *Gateway) accept(ctx context.Context, handle func(context.Context, *Inbound)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		version := V05
		if strings.HasPrefix(r.URL.Path, "/api/v3/") {
			version = V3
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || g.verifyToken(r.Context(), tok) != nil {
			refuse(w, version, http.StatusUnauthorized, "Authorization must carry a token signed by the gateway")
			return
		}
		if header(r, g.serviceHeader) != g.serviceID {
			refuse(w, version, http.StatusBadRequest, g.serviceHeader+" must name this bridge's service")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			refuse(w, version, http.StatusBadRequest, "the body is larger than 1 MiB or was cut short")
			return
		}
		m, err := readEnvelope(version, r, body)
		if err != nil {
			refuse(w, version, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusAccepted)
		go func() {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			handle(ctx, m)
		}()
	}
}

// readEnvelope reads what correlates a message.
func readEnvelope(version string, r *http.Request, body []byte) (*Inbound, error) {
	var env struct {
		RequestID string `json:"requestId"`
		Resp      *struct {
			RequestID string `json:"requestId"`
		} `json:"resp"`
		Response *struct {
			RequestID string `json:"requestId"`
		} `json:"response"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, errors.New("the body must be a JSON object")
	}
	m := &Inbound{Version: version, Body: body, RequestID: env.RequestID}
	ref := env.Resp
	if version == V3 {
		m.RequestID, ref = header(r, "REQUEST-ID"), env.Response
	}
	if m.RequestID == "" {
		return nil, errors.New("the message has no request id")
	}
	if ref != nil {
		m.InResponseTo = ref.RequestID
	}
	return m, nil
}

// Reply sends a callback answering m (see Send), logging only its kind
// and the gateway's status: the bodies hold personal data. It returns the
// gateway's status, 0 if the call failed.
func (g *Gateway) Reply(ctx context.Context, m *Inbound, p05, p3 string, payload map[string]any) int {
	st, err := g.Send(ctx, NewUUID(), m.RequestID, p05, p3, payload)
	if err != nil || st != http.StatusAccepted {
		log.Printf("%s: the gateway answered %d (%v)", strings.TrimPrefix(p05, "/v0.5/"), st, err)
	}
	return st
}
