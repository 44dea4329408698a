package staff_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/staff"
)

// FuzzStaffToken: any string is safely refused unless it is a token this
// key signed, and a signed token reads back as what was signed.
func FuzzStaffToken(f *testing.F) {
	a := staff.New(staff.Config{Role: "hip", TokenPrefix: "st1.", TokenKey: bytes.Repeat([]byte{3}, 32),
		Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
	good := a.Sign("IN2810000001", "71234567890123", time.Unix(1_800_000_600, 0))
	for _, seed := range []string{good, "", "st1.", "st1.x.y", good[:len(good)-2], strings.Replace(good, "st1.", "st2.", 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		fid, hpr, ok := a.CheckToken(tok)
		if ok && tok != good {
			// Only a token the key signed may pass: here, only good.
			if a.Sign(fid, hpr, time.Unix(1_800_000_600, 0)) != tok {
				t.Fatalf("accepted a token the key did not sign: %q", tok)
			}
		}
		if tok == good && (!ok || fid != "IN2810000001" || hpr != "71234567890123") {
			t.Fatalf("the signed token reads back as %q %q %v", fid, hpr, ok)
		}
	})
}
