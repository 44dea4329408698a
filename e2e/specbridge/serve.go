package specbridge

// Serving a bridge: its routes at both protocol versions' paths, the
// server itself, and JSON answers.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Route is one message the gateway sends a bridge, served at its v0.5
// path P05 and its v3 path P3 (abdm-protocol.md §3.8), and the handler
// that takes it once accepted. A message that has no form in a version
// leaves that path "".
type Route struct {
	P05, P3 string
	Handle  func(context.Context, *Inbound)
}

// HandleRoutes serves each route on mux as POST at both its paths. A
// message is refused at once unless it carries the gateway's token, the
// header naming this bridge's service and an envelope with a request ID;
// otherwise it is answered 202 and passed to the route's Handle
// afterwards, under ctx (the program's life) for at most a minute (§2.4).
func (g *Gateway) HandleRoutes(ctx context.Context, mux *http.ServeMux, routes ...Route) {
	for _, r := range routes {
		for _, p := range []string{r.P05, r.P3} {
			if p != "" {
				mux.Handle("POST "+p, g.accept(ctx, r.Handle))
			}
		}
	}
}

// Serve serves handler on ln until ctx ends. Once the server runs it
// registers the bridge at its own URL (see Register) and prints
// "listening http://HOST:PORT" as a line on stdout, which is how whoever
// started the bridge learns it is ready.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener, handler http.Handler, id, name, typ string) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	self := "http://" + ln.Addr().String()
	if err := g.Register(ctx, self, id, name, typ); err != nil {
		return err
	}
	fmt.Println("listening", self)
	<-ctx.Done()
	return nil
}

// WriteJSON answers with status and v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
