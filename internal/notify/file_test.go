package notify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	arogya "github.com/arogya-health/arogya"
)

func TestFileSMS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	f, err := NewFileSMS(path)
	if err != nil {
		t.Fatal(err)
	}
	f.now = func() time.Time { return time.Date(2026, 5, 6, 7, 8, 9, 0, time.FixedZone("IST", 19800)) }
	ctx := context.Background()
	msgs := []Message{
		{To: "9876543210", Text: "OTP 111111", OTP: "111111"},
		{To: "9000000001", Text: "OTP 222222", OTP: "222222"},
		{To: "9876543210", Text: "Welcome"},
		{To: "9876543210", Text: "OTP 333333", OTP: "333333"},
		{To: "9876543210", Text: "Your card is ready"},
	}
	for _, m := range msgs {
		if err := f.SendSMS(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox mode = %#o, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	first := strings.SplitN(string(raw), "\n", 2)[0]
	if want := `{"to":"9876543210","text":"OTP 111111","otp":"111111","at":"2026-05-06T01:38:09Z"}`; first != want {
		t.Errorf("first line = %s\nwant %s", first, want)
	}
	entries, err := ReadOutbox(path)
	if err != nil || len(entries) != len(msgs) {
		t.Fatalf("ReadOutbox = %d entries, %v", len(entries), err)
	}
	if e := entries[1]; e.To != "9000000001" || e.OTP != "222222" || !e.At.Equal(time.Date(2026, 5, 6, 1, 38, 9, 0, time.UTC)) {
		t.Errorf("entry 1 = %+v", e)
	}
	otp, err := LatestOTP(path, "9876543210")
	if err != nil || otp != "333333" {
		t.Errorf("LatestOTP = %q, %v; want 333333", otp, err)
	}
	if _, err := LatestOTP(path, "9111111111"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Errorf("LatestOTP(unknown) err = %v, want ENOTFOUND", err)
	} else if strings.Contains(err.Error(), "9111111111") {
		t.Error("error reveals the number")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := f.SendSMS(ctx, msgs[0]); err == nil {
		t.Error("SendSMS after Close succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	g, _ := NewFileSMS(path)
	defer g.Close()
	if err := g.SendSMS(cancelled, msgs[0]); err == nil {
		t.Error("SendSMS with a cancelled context succeeded")
	}
}

func TestFileSMSConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	// Two senders on one file, as two processes would be.
	a, _ := NewFileSMS(path)
	b, _ := NewFileSMS(path)
	defer a.Close()
	defer b.Close()
	var wg sync.WaitGroup
	const n = 50
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			text := strings.Repeat("x", 2000) // long lines make interleaving visible
			if err := s.SendSMS(context.Background(), Message{To: fmt.Sprint(9000000000 + i), Text: text, OTP: "123456"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	entries, err := ReadOutbox(path)
	if err != nil || len(entries) != n {
		t.Fatalf("ReadOutbox = %d entries, %v; want %d", len(entries), err, n)
	}
}

func TestReadOutboxTolerance(t *testing.T) {
	good := `{"to":"9876543210","text":"a","otp":"111111","at":"2026-01-01T00:00:00Z"}` + "\n"
	tests := []struct {
		name    string
		content string
		want    int
		wantErr bool
	}{
		{"empty", "", 0, false},
		{"one", good, 1, false},
		{"blank lines", good + "\n\n" + good, 2, false},
		{"partial last line", good + `{"to":"98765`, 1, false},
		{"complete last line without newline", good + strings.TrimSuffix(good, "\n"), 2, false},
		{"corrupt middle line", good + "garbage\n" + good, 0, true},
		{"no recipient", `{"text":"a","at":"2026-01-01T00:00:00Z"}` + "\n", 0, true},
		{"bad time", `{"to":"1","at":"yesterday"}` + "\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.jsonl")
			os.WriteFile(path, []byte(tt.content), 0o600)
			got, err := ReadOutbox(path)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Errorf("ReadOutbox = %d entries, %v; want %d, error %v", len(got), err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := LatestOTP(filepath.Join(t.TempDir(), "none.jsonl"), "1"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Errorf("LatestOTP on a missing outbox: %v, want ENOTFOUND", err)
	}
}

func FuzzParseOutboxLine(f *testing.F) {
	f.Add([]byte(`{"to":"9876543210","text":"a","otp":"111111","at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"to":"9876543210","text":"a","otp":"111111","at":"2026-01-01T00:00:00.123+05:30"}`))
	f.Add([]byte(`{"to":"98765`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := parseOutboxLine(line)
		if err != nil {
			return
		}
		if e.To == "" || e.At.Location() != time.UTC {
			t.Fatalf("parseOutboxLine accepted %+v", e)
		}
	})
}
