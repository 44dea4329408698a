package hiu_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/audit"
	"github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// TestAPIKeys: a facility's key acts for that facility alone, as a system
// (no clinician), shown once and kept only as a hash; a key altered by
// one character, or of another shape, acts for nothing.
func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	svc := hiu.NewService(db, nil, audit.NewLog(db, time.Now), hiu.Config{WrapKey: bytes.Repeat([]byte{7}, 32), TokenKey: bytes.Repeat([]byte{9}, 32), AdminToken: "operator"})
	for _, id := range []string{testFacility, "IN2810000002"} {
		if err := db.AddHIUFacility(ctx, &hiu.Facility{ID: id, Name: "F", DataKey: []byte{1}, AddedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.CreateAPIKey(ctx, "IN2899999999", "PHR"); arogya.ErrorCode(err) != arogya.ENOTFOUND {
		t.Fatalf("a key for a facility not served: %v", err)
	}
	if _, _, err := svc.CreateAPIKey(ctx, testFacility, "  "); arogya.ErrorCode(err) != arogya.EINVALID {
		t.Fatalf("a key without a name: %v", err)
	}
	k, key, err := svc.CreateAPIKey(ctx, testFacility, "Arogya PHR")
	if err != nil || !strings.HasPrefix(key, "hiu_"+k.ID+".") {
		t.Fatalf("CreateAPIKey = %+v %q, %v", k, key, err)
	}
	stored, err := db.HIUAPIKey(ctx, k.ID)
	if err != nil || bytes.Contains([]byte(key), stored.Hash) || strings.Contains(string(stored.Hash), key[len(key)-43:]) {
		t.Fatalf("the stored key: %v", err)
	}
	c, err := svc.Authorize(ctx, key, testFacility)
	if err != nil {
		t.Fatalf("the key for its facility: %v", err)
	}
	if a := arogya.ActorFrom(c); a.Kind != arogya.ActorClient || a.ID != "apikey:"+k.ID {
		t.Fatalf("acts as %+v", a)
	}
	if _, err := svc.Authorize(ctx, key, "IN2810000002"); arogya.ErrorCode(err) != arogya.EFORBIDDEN {
		t.Fatalf("the key for another facility: %v", err)
	}
	last := key[len(key)-1]
	flip := byte('A')
	if last == 'A' {
		flip = 'B'
	}
	for _, bad := range []string{key[:len(key)-1] + string(flip), "hiu_" + k.ID, "hk_" + key[4:], key + "x", "hiu_ffffffffffffffff." + key[len(key)-43:]} {
		if _, err := svc.Authorize(ctx, bad, testFacility); arogya.ErrorCode(err) != arogya.EUNAUTHORIZED {
			t.Errorf("Authorize(a bad key) = %v", err)
		}
	}
}
