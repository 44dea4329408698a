package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	arogya "github.com/arogya-health/arogya"
)

// webhookSMS POSTs messages to an SMS gateway.
type webhookSMS struct {
	url      string
	client   *http.Client
	now      func() time.Time
	attempts int           // total tries, including the first
	backoff  time.Duration // wait before the first retry; doubles each time
}

// NewWebhookSMS returns an SMS that POSTs each message as JSON
// {"to","text","otp","at"} to url and expects a 2xx answer. Network errors,
// 429 and 5xx answers are retried up to twice with exponential backoff, as
// far as the context deadline allows. A nil client means one with a 10 s
// timeout that keeps enough idle connections for a busy node (Go's default
// of two per host would open a new connection for most sends). Errors never
// include the number or the text.
func NewWebhookSMS(url string, client *http.Client) SMS {
	if client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		client = &http.Client{Timeout: 10 * time.Second, Transport: t}
	}
	return &webhookSMS{url: url, client: client, now: time.Now, attempts: 3, backoff: 250 * time.Millisecond}
}

// SendSMS delivers m to the webhook.
func (w *webhookSMS) SendSMS(ctx context.Context, m Message) error {
	body, err := json.Marshal(newWire(m, w.now()))
	if err != nil {
		return fmt.Errorf("notify: encode message: %w", err)
	}
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(ctx, body)
		if err == nil {
			return nil
		}
		if !retry || attempt >= w.attempts {
			return err
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// post makes one attempt and says whether a failure is worth retrying.
func (w *webhookSMS) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("notify: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("notify: sms webhook: %w", ctx.Err())
		}
		// The error names the webhook URL (configuration), never the message.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return true, arogya.Errorf(arogya.EUNAVAILABLE, "sms gateway unreachable: %v", err)
	}
	// Drain a little so the connection can be reused; never echo the body,
	// which may repeat the number.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, arogya.Errorf(arogya.EUNAVAILABLE, "sms gateway answered %d", resp.StatusCode)
	default:
		return false, arogya.Errorf(arogya.EINTERNAL, "sms gateway rejected the message with %d", resp.StatusCode)
	}
}
