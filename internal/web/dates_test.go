package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya/internal/staff"
)

// TestDatesInHindi: every date a handler makes (registry, ops, HIU) names
// its month in the page's language.
func TestDatesInHindi(t *testing.T) {
	d := time.Date(2026, time.March, 4, 9, 32, 0, 0, time.UTC) // 15:02 IST
	march := messagesHI["month.3"]
	st := &staff.Account{HPRID: "71-1234-5678-9012", Name: "Dr Anita Rao", FacilityID: "IN2810000001", CreatedAt: d, DisabledAt: d.AddDate(0, 1, 0)}
	hm, em := member(messagesHI, "staff", st), member(messagesEN, "staff", st)
	tests := []struct {
		name, got, want string
	}{
		{"registry", when(messagesHI, d), "04 " + march + " 2026, 15:02 IST"},
		{"registry English", when(messagesEN, d), "04 Mar 2026, 15:02 IST"},
		{"registry no time", when(messagesHI, time.Time{}), ""},
		{"HIU day", istDayIn(messagesHI, d), "4 " + march + " 2026"},
		{"HIU no day", istDayIn(messagesHI, time.Time{}), ""},
		{"HIU time", istTimeIn(messagesHI, d), "4 " + march + " 2026 15:02 IST"},
		{"HIU English", istTimeIn(messagesEN, d), "4 Mar 2026 15:02 IST"},
		{"staff added", hm.Added, "4 " + march + " 2026 09:32 UTC"},
		{"staff disabled", hm.Disabled, "4 " + messagesHI["month.4"] + " 2026 09:32 UTC"},
		{"staff English", em.Added, "4 Mar 2026 09:32 UTC"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestRegistryQueueDateInHindi: the verifier's queue in Hindi shows when an
// entry was submitted with the month's Hindi name.
func TestRegistryQueueDateInHindi(t *testing.T) {
	e := newRegistryEnv(t)
	e.facility(t, "Kasturba Community Health Centre", "28", false)
	v := e.browser(t)
	e.signIn(t, v, e.v28.ID, e.key28)
	inHindi(t, v, "/registry/verify")
	p := v.get("/registry/verify")
	now := time.Now().In(ist)
	hindi, english := dateIn(messagesHI, now, "02 Jan 2006"), dateIn(messagesEN, now, "02 Jan 2006")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Kasturba Community Health Centre") {
		t.Fatalf("queue: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, hindi) || strings.Contains(p.body, english) {
		t.Errorf("want %q (month.%s), not %q:\n%s", hindi, strconv.Itoa(int(now.Month())), english, p.body)
	}
	if !strings.Contains(p.body, messagesHI["state.28"]) {
		t.Errorf("the verifier's state is not in Hindi:\n%s", p.body)
	}
}
