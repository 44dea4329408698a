package notify

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	arogya "github.com/arogya-health/arogya"
)

func TestMaskMobile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9876543210", "******3210"},
		{"+919876543210", "*********3210"},
		{"12345", "*2345"},
		{"1234", "****"},
		{"12", "**"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskMobile(tt.in); got != tt.want {
			t.Errorf("MaskMobile(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogSMS(t *testing.T) {
	var buf bytes.Buffer
	sms := NewLogSMS(slog.New(slog.NewJSONHandler(&buf, nil)))
	err := sms.SendSMS(context.Background(), Message{To: "9876543210", Text: "Your OTP is 482913", OTP: "482913"})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "******3210") {
		t.Errorf("log %q lacks the masked number", out)
	}
	for _, secret := range []string{"9876543210", "482913", "Your OTP"} {
		if strings.Contains(out, secret) {
			t.Errorf("log %q reveals %q", out, secret)
		}
	}
}

func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		kind, target string
		wantType     string
		wantErr      bool
	}{
		{"", "", "notify.logSMS", false},
		{"log", "", "notify.logSMS", false},
		{"file", filepath.Join(dir, "outbox.jsonl"), "*notify.FileSMS", false},
		{"file", "", "", true},
		{"file", filepath.Join(dir, "missing", "outbox.jsonl"), "", true},
		{"webhook", "http://127.0.0.1:9/sms", "*notify.webhookSMS", false},
		{"webhook", "ftp://example.invalid/x", "", true},
		{"webhook", "not a url", "", true},
		{"carrier-pigeon", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.target, func(t *testing.T) {
			sms, err := FromConfig(tt.kind, tt.target, slog.New(slog.DiscardHandler))
			if tt.wantErr {
				if arogya.ErrorCode(err) == "" {
					t.Fatalf("FromConfig succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(sms); got != tt.wantType {
				t.Errorf("type = %s, want %s", got, tt.wantType)
			}
			if f, ok := sms.(*FileSMS); ok {
				f.Close()
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case logSMS:
		return "notify.logSMS"
	case *FileSMS:
		return "*notify.FileSMS"
	case *webhookSMS:
		return "*notify.webhookSMS"
	}
	return "?"
}
