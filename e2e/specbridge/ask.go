package specbridge

// Asking: a request to the gateway and the callback that answers it,
// which comes later as a separate POST to the bridge, correlated by
// resp.requestId (v0.5) or response.requestId (v3) (abdm-protocol.md
// §2.4).

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"
)

// CallbackWait bounds the wait for the callback that answers a request.
const CallbackWait = 20 * time.Second

// Ask sends c as a new request and waits, at most CallbackWait, for the
// callback answering it, which a route whose Handle is Deliver receives.
// The gateway must take the request with 202 (§2.4); anything else is a
// RefusedError.
func (g *Gateway) Ask(ctx context.Context, c Call) (*Inbound, error) {
	rid := NewUUID()
	ch := make(chan *Inbound, 1)
	g.mu.Lock()
	if g.waiting == nil {
		g.waiting = map[string]chan *Inbound{}
	}
	g.waiting[rid] = ch // before sending: the callback may come first
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.waiting, rid)
		g.mu.Unlock()
	}()
	st, out, err := g.Post(ctx, rid, "", c)
	switch {
	case err != nil:
		return nil, err
	case st != http.StatusAccepted:
		return nil, &RefusedError{Status: st, Body: string(out)}
	}
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(CallbackWait):
		return nil, fmt.Errorf("no callback within %s", CallbackWait)
	}
}

// RefusedError is the gateway's synchronous refusal of a request.
type RefusedError struct {
	Status int
	Body   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the gateway answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Body)
}

// Deliver hands a callback to the Ask waiting for it; one nobody waits for
// (late, or a repeat) is dropped.
func (g *Gateway) Deliver(_ context.Context, m *Inbound) {
	g.mu.Lock()
	ch := g.waiting[m.InResponseTo]
	g.mu.Unlock()
	if ch == nil {
		log.Printf("a callback for no waiting request")
		return
	}
	select {
	case ch <- m:
	default: // a repeat of one already delivered
	}
}
