package hiu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/audit"
	. "github.com/arogya-health/arogya/internal/hiu"
	"github.com/arogya-health/arogya/internal/sqlite"
)

// TestNoticeBeforeOnInit: an auto-approved request's consents/hiu/notify
// may be handled before its on-init (which names the CM's ID): it is
// retried for a while, then acknowledged UNKNOWN; once on-init is in, the
// grant fetches the artefact.
func TestNoticeBeforeOnInit(t *testing.T) {
	ctx := context.Background()
	db := sqlite.OpenTest(t)
	svc := NewService(db, nil, audit.NewLog(db, time.Now), Config{WrapKey: bytes.Repeat([]byte{7}, 32)})
	b := NewBridge(svc, BridgeConfig{GatewayURL: "http://127.0.0.1:9/gateway", CallbackURL: "http://hiu.test/hiu"})
	const facility = "IN2810000042"
	r := &ConsentRequest{ID: uuid.NewString(), FacilityID: facility, Patient: "asha@sbx", Purpose: "CAREMGT", HITypes: []string{"OPConsultation"},
		Status: RequestPending, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := db.ApplyHIU(ctx, &Effects{ConsentRequest: r}); err != nil {
		t.Fatal(err)
	}
	cmID, artID := uuid.NewString(), uuid.NewString()
	notice, _ := json.Marshal(map[string]any{"requestId": uuid.NewString(), "notification": map[string]any{
		"consentRequestId": cmID, "status": "GRANTED", "consentArtefacts": []map[string]string{{"id": artID}}}})
	if _, err := b.ConsentNotify(ctx, facility, "n1", notice, time.Now()); err == nil {
		t.Fatal("a notice for a request whose on-init is not in yet was not put off")
	}
	fx, err := b.ConsentNotify(ctx, facility, "n1", notice, time.Now().Add(-2*NotifyPatience))
	if err != nil || len(fx.Jobs) != 1 || !bytes.Contains(fx.Jobs[0].Body, []byte(`"UNKNOWN"`)) {
		t.Fatalf("a notice for an unknown request, after waiting: %+v %v", fx, err)
	}
	onInit, _ := json.Marshal(map[string]any{"consentRequest": map[string]string{"id": cmID}})
	fx, err = b.OnInit(ctx, facility, r.ID, onInit)
	if err != nil || fx.ConsentRequest.CMID != cmID {
		t.Fatalf("on-init: %+v %v", fx, err)
	}
	if err := db.ApplyHIU(ctx, fx); err != nil {
		t.Fatal(err)
	}
	fx, err = b.ConsentNotify(ctx, facility, "n1", notice, time.Now())
	if err != nil || len(fx.Artefacts) != 1 || fx.Artefacts[0].Status != ArtefactFetching || len(fx.Jobs) != 2 || fx.Jobs[1].Path != "/v0.5/consents/fetch" {
		t.Fatalf("the notice once on-init is in: %+v %v", fx, err)
	}
}
