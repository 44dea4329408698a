package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	arogya "github.com/arogya-health/arogya"
)

// FileSMS appends each message to an outbox file as one JSON object per
// line: {"to":…,"text":…,"otp":…,"at":"<RFC 3339 UTC>"}. It is meant for
// development, demos and tests, where it stands in for a real SMS gateway.
// It is safe for concurrent use, and several processes may share one file.
type FileSMS struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
}

var _ SMS = (*FileSMS)(nil)

// NewFileSMS opens (creating with mode 0600 if needed) the outbox at path
// for appending.
func NewFileSMS(path string) (*FileSMS, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("notify: open outbox: %w", err)
	}
	return &FileSMS{f: f, now: time.Now}, nil
}

// SendSMS appends m to the outbox with a single write, so lines from
// concurrent writers never interleave.
func (s *FileSMS) SendSMS(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(newWire(m, s.now()))
	if err != nil {
		return fmt.Errorf("notify: encode message: %w", err)
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return errors.New("notify: outbox is closed")
	}
	if _, err := s.f.Write(line); err != nil {
		return fmt.Errorf("notify: write outbox: %w", err)
	}
	return nil
}

// Close closes the outbox. Later sends fail; closing twice is harmless.
func (s *FileSMS) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// OutboxEntry is one message read back from an outbox file.
type OutboxEntry struct {
	To   string
	Text string
	OTP  string
	At   time.Time
}

// ReadOutbox reads every message in the outbox at path, oldest first. A last
// line that is incomplete (no newline, not valid JSON), as when a writer is
// mid-write, is skipped; any other malformed line is an error.
func ReadOutbox(path string) ([]OutboxEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("notify: open outbox: %w", err)
	}
	defer f.Close()
	var out []OutboxEntry
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("notify: read outbox: %w", err)
		}
		complete := err == nil
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := parseOutboxLine(line)
			switch {
			case perr == nil:
				out = append(out, e)
			case complete:
				return nil, fmt.Errorf("notify: outbox line %d: %w", n, perr)
			}
		}
		if !complete {
			return out, nil
		}
	}
}

// parseOutboxLine decodes one outbox line.
func parseOutboxLine(line []byte) (OutboxEntry, error) {
	var w wireMessage
	if err := json.Unmarshal(line, &w); err != nil {
		return OutboxEntry{}, errors.New("not a JSON object")
	}
	if w.To == "" {
		return OutboxEntry{}, errors.New("no recipient")
	}
	at, err := time.Parse(time.RFC3339, w.At)
	if err != nil {
		return OutboxEntry{}, errors.New("bad time")
	}
	return OutboxEntry{To: w.To, Text: w.Text, OTP: w.OTP, At: at.UTC()}, nil
}

// LatestOTP returns the OTP of the newest message to the number to in the
// outbox at path. It returns an ENOTFOUND error if there is none (or no
// outbox yet).
func LatestOTP(path, to string) (string, error) {
	entries, err := ReadOutbox(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", arogya.Errorf(arogya.ENOTFOUND, "no OTP has been sent to that number")
	}
	if err != nil {
		return "", err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.To == to && e.OTP != "" {
			return e.OTP, nil
		}
	}
	return "", arogya.Errorf(arogya.ENOTFOUND, "no OTP has been sent to that number")
}
