// Package notify sends text messages (OTPs and notices) to people's mobile
// numbers. Implementations log the send, append it to a local outbox file
// for demos and tests, or POST it to an SMS gateway's webhook.
//
// Mobile numbers are personal data: logs and errors show them masked, and
// message texts and OTPs never appear in logs.
package notify

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	arogya "github.com/arogya-health/arogya"
)

// Message is one SMS. OTP, when set, is the one-time password Text carries;
// it is passed separately so that test outboxes can pick it out.
type Message struct {
	To   string // mobile number
	Text string
	OTP  string
}

// SMS sends text messages.
type SMS interface {
	SendSMS(ctx context.Context, m Message) error
}

// wireMessage is the JSON form of a sent message, used by the file outbox
// and the webhook.
type wireMessage struct {
	To   string `json:"to"`
	Text string `json:"text"`
	OTP  string `json:"otp"`
	At   string `json:"at"`
}

func newWire(m Message, at time.Time) wireMessage {
	return wireMessage{To: m.To, Text: m.Text, OTP: m.OTP, At: at.UTC().Format(time.RFC3339)}
}

// MaskMobile hides all but the last four characters of a mobile number:
// MaskMobile("9876543210") == "******3210". Numbers of four characters or
// fewer are masked entirely.
func MaskMobile(s string) string {
	r := []rune(s)
	keep := 4
	if len(r) <= keep {
		keep = 0
	}
	return strings.Repeat("*", len(r)-keep) + string(r[len(r)-keep:])
}

// FromConfig returns the SMS sender named by kind: "log" (the default when
// kind is empty) logs sends through logger; "file" appends them to the
// outbox file at target; "webhook" POSTs them to the http(s) URL target.
// The "file" sender is a *FileSMS, which the caller should Close.
func FromConfig(kind, target string, logger *slog.Logger) (SMS, error) {
	switch kind {
	case "", "log":
		return NewLogSMS(logger), nil
	case "file":
		if target == "" {
			return nil, arogya.Errorf(arogya.EINVALID, "sms: the file sender needs an outbox path")
		}
		return NewFileSMS(target)
	case "webhook":
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, arogya.Errorf(arogya.EINVALID, "sms: the webhook sender needs an http(s) URL")
		}
		return NewWebhookSMS(target, nil), nil
	default:
		return nil, arogya.Errorf(arogya.EINVALID, "sms: unknown sender %q (want log, file or webhook)", kind)
	}
}

// logSMS only logs.
type logSMS struct{ logger *slog.Logger }

// NewLogSMS returns an SMS that sends nothing and logs each message at
// info level with the number masked and without its text or OTP. A nil
// logger means slog.Default().
func NewLogSMS(logger *slog.Logger) SMS {
	if logger == nil {
		logger = slog.Default()
	}
	return logSMS{logger: logger}
}

// SendSMS logs m's masked number.
func (l logSMS) SendSMS(ctx context.Context, m Message) error {
	l.logger.InfoContext(ctx, "sms sent", "to", MaskMobile(m.To), "otp", m.OTP != "")
	return nil
}
