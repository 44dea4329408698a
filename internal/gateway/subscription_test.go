package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya/internal/gateway"
)

// subEvent is a subscriptions/hiu/notify body.
type subEvent struct {
	Event struct {
		ID, Published, SubscriptionID, Category string
		Content                                 struct {
			Patient struct{ ID string }
			HIP     struct{ ID string }
			Context []struct {
				CareContext *struct{ PatientReference, CareContextReference string }
				HITypes     []string
			}
		}
	}
}

// TestSubscriptions: an HIU (Hill Top, on its own bridge, speaking v0.5 or
// v3) asks to follow Asha's records; bad requests are refused at once with
// an ABDM error; she approves for the HIP where her records are (Coastal),
// confirmed with her PIN, and the HIU is told. A care context Coastal then
// links through users/auth and add-contexts, and its new-data notices,
// reach the HIU as events; the care context of a DATA event only once the
// HIU holds a consent for it. Narrowing the grant and the end of its
// period stop the events; a second request is denied.
func TestSubscriptions(t *testing.T) {
	for _, version := range []string{"v0.5", "v3"} {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			ob := gateway.NewOutbox(e.db, e.keys, e.gw.URL+"/gateway", gateway.OutboxConfig{Now: func() time.Time { return time.UnixMilli(e.now.Load()) }})
			hip := newHIPSide(t, e, "coastal-hmis", e.verified, false)
			hiu := newHIPSide(t, e, "hilltop-hiu", e.verified2, version == "v3")
			// §3.8 has no v3 subscriptions: a v3 bridge sends the v0.5 form
			// to the v0.5 path, and is answered in the v0.5 form.
			hiu.v3 = false
			asha := bearer(e.userToken(t, "asha.devi@sbx"))
			ravi := bearer(e.userToken(t, "ravi.kumar@sbx"))

			ask := func(hiuID string, mutate func(sub map[string]any)) (int, string, string) {
				t.Helper()
				sub := map[string]any{"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"}, "patient": map[string]string{"id": "asha.devi@sbx"},
					"hiu": map[string]string{"id": hiuID}, "hips": []map[string]string{{"id": e.verified}}, "categories": []string{"LINK", "DATA"},
					"period": map[string]string{"from": "2026-01-01T00:00:00.000Z", "to": "2026-12-31T00:00:00.000Z"}}
				if mutate != nil {
					mutate(sub)
				}
				var errBody struct {
					Error struct{ Code, Message string }
				}
				st, rid := hiu.send("/gateway/v0.5/subscription-requests/cm/init", nil, map[string]any{"subscription": sub}, &errBody)
				return st, rid, errBody.Error.Code
			}

			// Refused at once, with an ABDM error body.
			for _, tc := range []struct {
				name   string
				hiuID  string
				mutate func(map[string]any)
				status int
				code   string
			}{
				{"no purpose", e.verified2, func(s map[string]any) { delete(s, "purpose") }, 400, "ABDM-1017"},
				{"unknown purpose", e.verified2, func(s map[string]any) { s["purpose"] = map[string]string{"code": "MARKETING"} }, 400, "ABDM-1017"},
				{"no patient", e.verified2, func(s map[string]any) { delete(s, "patient") }, 400, "ABDM-1017"},
				{"another CM's patient", e.verified2, func(s map[string]any) { s["patient"] = map[string]string{"id": "asha@abdm"} }, 400, "ABDM-1017"},
				{"no hiu", e.verified2, func(s map[string]any) { delete(s, "hiu") }, 400, "ABDM-1017"},
				{"no categories", e.verified2, func(s map[string]any) { s["categories"] = []string{} }, 400, "ABDM-1017"},
				{"unknown category", e.verified2, func(s map[string]any) { s["categories"] = []string{"LINK", "BILLING"} }, 400, "ABDM-1017"},
				{"no period", e.verified2, func(s map[string]any) { delete(s, "period") }, 400, "ABDM-1017"},
				{"period backwards", e.verified2, func(s map[string]any) {
					s["period"] = map[string]string{"from": "2026-12-31T00:00:00.000Z", "to": "2026-12-01T00:00:00.000Z"}
				}, 400, "ABDM-1017"},
				{"period over", e.verified2, func(s map[string]any) {
					s["period"] = map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"}
				}, 400, "ABDM-1017"},
				{"hips without id", e.verified2, func(s map[string]any) { s["hips"] = []map[string]string{{"name": "x"}} }, 400, "ABDM-1017"},
				{"another bridge's HIU", e.verified, nil, 403, "ABDM-1020"},
			} {
				if st, _, code := ask(tc.hiuID, tc.mutate); st != tc.status || code != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, st, code, tc.status, tc.code)
				}
			}
			if st := e.call("POST", "/gateway/v0.5/subscription-requests/cm/init", bearer(hiu.tok), map[string]any{"requestId": uuid.NewString(),
				"timestamp": hiu.clock().UTC().Format("2006-01-02T15:04:05.000Z"), "subscription": map[string]any{}}, nil); st != 400 {
				t.Errorf("without X-CM-ID: %d", st)
			}

			st, rid, _ := ask(e.verified2, nil)
			if st != 202 {
				t.Fatalf("init: %d", st)
			}
			ob.RunOnce(ctx)
			onInit := hiu.srv.only(t, "/v0.5/subscription-requests/hiu/on-init")
			var oi struct {
				SubscriptionRequest struct{ ID string } `json:"subscriptionRequest"`
				Resp                struct{ RequestID string }
			}
			json.Unmarshal([]byte(onInit.body), &oi)
			if oi.SubscriptionRequest.ID == "" || oi.Resp.RequestID != rid || onInit.header.Get("X-HIU-ID") != e.verified2 {
				t.Fatalf("on-init: %s %v", onInit.body, onInit.header)
			}
			reqID := oi.SubscriptionRequest.ID

			// Asha sees it; Ravi does not.
			var list struct {
				Size     int
				Requests []struct{ ID, Status, RequesterType string }
			}
			if st := e.call("GET", "/cm/subscription-requests?status=requested", asha, nil, &list); st != 200 || list.Size != 1 ||
				list.Requests[0].ID != reqID || list.Requests[0].Status != "REQUESTED" || list.Requests[0].RequesterType != "HIU" {
				t.Fatalf("list: %d %+v", st, list)
			}
			if st := e.call("GET", "/cm/subscription-requests", ravi, nil, &list); st != 200 || list.Size != 0 {
				t.Fatalf("Ravi's list: %d %+v", st, list)
			}
			if st := e.call("GET", "/cm/subscription-requests?status=LOST", asha, nil, nil); st != 400 {
				t.Fatalf("bad status filter: %d", st)
			}

			// She approves for Coastal, where OP-1 is linked already.
			e.link(t, "asha.devi@sbx", e.verified, "PAT-7", "OP-1")
			approve := "/cm/subscription-requests/" + reqID + "/approve"
			grant := func(hipID string, categories ...string) map[string]any {
				return map[string]any{"isApplicableForAllHIPs": false, "includedSources": []map[string]any{{
					"hip": map[string]string{"id": hipID}, "purpose": map[string]string{"code": "CAREMGT"}, "categories": categories,
					"hiTypes": []string{"Prescription", "DiagnosticReport"},
					"period":  map[string]string{"from": "2026-11-01T00:00:00.000Z", "to": "2026-12-01T00:00:00.000Z"}}}, "excludedSources": []any{}}
			}
			ashaOK := e.pinToken(t, asha, "consentrequest.approve", reqID)
			for _, tc := range []struct {
				name    string
				headers map[string]string
				body    map[string]any
				want    int
			}{
				{"without the PIN", asha, grant(e.verified, "LINK", "DATA"), 401},
				{"a PIN token of another scope", e.pinToken(t, asha, "consent.revoke", ""), grant(e.verified, "LINK", "DATA"), 401},
				{"a PIN token for another request", e.pinToken(t, asha, "consentrequest.approve", uuid.NewString()), grant(e.verified, "LINK", "DATA"), 401},
				{"another person", e.pinToken(t, ravi, "consentrequest.approve", reqID), grant(e.verified, "LINK", "DATA"), 404},
				{"a HIP not asked about", ashaOK, grant(e.verified2, "LINK"), 400},
				{"a category not asked for", ashaOK, grant(e.verified, "LINK", "BILLING"), 400},
			} {
				if st := e.call("POST", approve, tc.headers, tc.body, nil); st != tc.want {
					t.Errorf("approve, %s: %d, want %d", tc.name, st, tc.want)
				}
			}
			var approved struct{ SubscriptionID string }
			if st := e.call("POST", approve, ashaOK, grant(e.verified, "LINK", "DATA"), &approved); st != 200 || approved.SubscriptionID == "" {
				t.Fatalf("approve: %d %+v", st, approved)
			}
			if st := e.call("POST", approve, ashaOK, grant(e.verified, "LINK", "DATA"), nil); st != 409 {
				t.Fatalf("approve twice: %d", st)
			}
			ob.RunOnce(ctx)
			notice := hiu.srv.only(t, "/v0.5/subscription-requests/hiu/notify")
			var n struct {
				Notification struct {
					SubscriptionRequestID, Status string
					Subscription                  struct {
						ID      string
						Sources []struct {
							HIP        struct{ ID string }
							Categories []string
						}
					}
				}
			}
			json.Unmarshal([]byte(notice.body), &n)
			if n.Notification.Status != "GRANTED" || n.Notification.SubscriptionRequestID != reqID || n.Notification.Subscription.ID != approved.SubscriptionID ||
				len(n.Notification.Subscription.Sources) != 1 || n.Notification.Subscription.Sources[0].HIP.ID != e.verified ||
				notice.header.Get("X-HIU-ID") != e.verified2 {
				t.Fatalf("hiu notify: %s", notice.body)
			}
			var noticeEnv struct{ RequestID string }
			json.Unmarshal([]byte(notice.body), &noticeEnv)
			if st, _ := hiu.send("/gateway/v0.5/subscription-requests/hiu/on-notify", nil, map[string]any{
				"acknowledgement": map[string]string{"status": "OK", "subscriptionRequestId": reqID}, "resp": map[string]string{"requestId": noticeEnv.RequestID}}, nil); st != 202 {
				t.Fatalf("on-notify: %d", st)
			}
			if st, _ := hiu.send("/gateway/v0.5/subscription-requests/hiu/on-notify", nil, map[string]any{
				"acknowledgement": map[string]string{"status": "OK", "subscriptionRequestId": reqID}}, nil); st != 400 {
				t.Fatalf("on-notify without resp: %d", st)
			}

			// She can read it back by its subscription ID; Ravi cannot.
			var detail struct {
				SubscriptionID, SubscriptionRequestID, Status string
				IncludedSources                               []struct {
					HIP        struct{ ID string }
					Categories []string
				}
			}
			if st := e.call("GET", "/cm/subscription-requests/"+approved.SubscriptionID, asha, nil, &detail); st != 200 || detail.Status != "GRANTED" ||
				detail.SubscriptionRequestID != reqID || len(detail.IncludedSources) != 1 || detail.IncludedSources[0].HIP.ID != e.verified {
				t.Fatalf("detail: %d %+v", st, detail)
			}
			if st := e.call("GET", "/cm/subscription-requests/"+approved.SubscriptionID, ravi, nil, nil); st != 404 {
				t.Fatalf("Ravi reads it: %d", st)
			}

			// Coastal links OP-1 (again) and OP-9 through users/auth and
			// add-contexts: the HIU hears of OP-9, the one new link.
			query := map[string]any{"query": map[string]any{"id": "asha.devi@sbx", "purpose": "LINK", "authMode": "MOBILE_OTP",
				"requester": map[string]string{"type": "HIP", "id": e.verified}}}
			if st, _ := hip.send("/gateway/v0.5/users/auth/init", nil, query, nil); st != 202 {
				t.Fatalf("auth init: %d", st)
			}
			ob.RunOnce(ctx)
			var ai struct {
				Auth struct{ TransactionID string } `json:"auth"`
			}
			hip.last(t, "/v0.5/users/auth/on-init", &ai)
			hip.send("/gateway/v0.5/users/auth/confirm", nil, map[string]any{"transactionId": ai.Auth.TransactionID, "credential": map[string]any{"authCode": "123456"}}, nil)
			ob.RunOnce(ctx)
			var ac struct {
				Auth struct{ AccessToken string } `json:"auth"`
			}
			hip.last(t, "/v0.5/users/auth/on-confirm", &ac)
			if st, _ := hip.send("/gateway/v0.5/links/link/add-contexts", nil, map[string]any{"link": map[string]any{"accessToken": ac.Auth.AccessToken,
				"patient": map[string]any{"referenceNumber": "PAT-7", "display": "Asha D.", "careContexts": []map[string]string{
					{"referenceNumber": "OP-1", "display": "OPD visit"}, {"referenceNumber": "OP-9", "display": "Follow-up"}}}}}, nil); st != 202 {
				t.Fatalf("add-contexts: %d", st)
			}
			ob.RunOnce(ctx)
			events := func() []subEvent {
				var out []subEvent
				for _, b := range hiu.srv.all("/v0.5/subscriptions/hiu/notify") {
					var ev subEvent
					if err := json.Unmarshal([]byte(b), &ev); err != nil {
						t.Fatal(err)
					}
					out = append(out, ev)
				}
				return out
			}
			evs := events()
			if len(evs) != 1 {
				t.Fatalf("%d events after linking", len(evs))
			}
			ev := evs[0].Event
			if ev.Category != "LINK" || ev.SubscriptionID != approved.SubscriptionID || ev.ID == "" || ev.Published == "" ||
				ev.Content.Patient.ID != "asha.devi@sbx" || ev.Content.HIP.ID != e.verified || len(ev.Content.Context) != 1 ||
				ev.Content.Context[0].CareContext == nil || ev.Content.Context[0].CareContext.CareContextReference != "OP-9" ||
				ev.Content.Context[0].CareContext.PatientReference != "PAT-7" {
				t.Fatalf("link event: %+v", ev)
			}
			if st, _ := hiu.send("/gateway/v0.5/subscriptions/hiu/on-notify", nil, map[string]any{
				"acknowledgement": map[string]string{"status": "OK", "eventId": ev.ID}, "resp": map[string]string{"requestId": uuid.NewString()}}, nil); st != 202 {
				t.Fatalf("subscriptions on-notify: %d", st)
			}

			// New data in OP-9: a DATA event with the HI types the grant
			// covers, but no care context: the HIU holds no consent for it.
			notify := func(ref string, hiTypes ...string) {
				t.Helper()
				if st, _ := hip.send("/gateway/v0.5/links/context/notify", nil, map[string]any{"notification": map[string]any{
					"patient": map[string]string{"id": "asha.devi@sbx"}, "careContext": map[string]string{"patientReference": "PAT-7", "careContextReference": ref},
					"hiTypes": hiTypes, "date": "2026-11-29T10:00:00.000Z", "hip": map[string]string{"id": e.verified}}}, nil); st != 202 {
					t.Fatalf("context notify: %d", st)
				}
				ob.RunOnce(ctx)
			}
			notify("OP-9", "Prescription", "WellnessRecord")
			evs = events()
			if len(evs) != 2 {
				t.Fatalf("%d events after new data", len(evs))
			}
			ev = evs[1].Event
			if ev.Category != "DATA" || len(ev.Content.Context) != 1 || ev.Content.Context[0].CareContext != nil ||
				strings.Join(ev.Content.Context[0].HITypes, ",") != "Prescription" {
				t.Fatalf("data event: %+v", ev)
			}
			notify("OP-404", "Prescription")              // not linked: no event
			notify("OP-9", "WellnessRecord", "Horoscope") // not a type granted: no event
			if len(events()) != 2 {
				t.Fatalf("%d events, want still 2", len(events()))
			}
			// The person's links show what the last notice said OP-9 holds
			// (known HI types only), for the PHR's timeline.
			var links struct {
				Patient struct {
					Links []struct {
						CareContexts []struct {
							ReferenceNumber, Date, NotifiedAt string
							HITypes                           []string
						}
					}
				}
			}
			if st := e.call("GET", "/cm/patients/links", asha, nil, &links); st != 200 || len(links.Patient.Links) != 1 {
				t.Fatalf("links: %d %+v", st, links)
			}
			seen := false
			for _, c := range links.Patient.Links[0].CareContexts {
				switch {
				case c.ReferenceNumber == "OP-9":
					seen = true
					if strings.Join(c.HITypes, ",") != "WellnessRecord" || c.Date != "2026-11-29T10:00:00.000Z" || c.NotifiedAt == "" {
						t.Fatalf("OP-9 in the links: %+v", c)
					}
				case len(c.HITypes) != 0 || c.Date != "" || c.NotifiedAt != "":
					t.Fatalf("%s, of which no notice came: %+v", c.ReferenceNumber, c)
				}
			}
			if !seen {
				t.Fatalf("OP-9 is not in the links: %+v", links)
			}

			// With a consent for OP-9, the HIU is told which care context.
			crid := uuid.NewString()
			if st := e.call("POST", "/gateway/v0.5/consent-requests/init", map[string]string{"Authorization": "Bearer " + hiu.tok, "X-CM-ID": "sbx"}, map[string]any{
				"requestId": crid, "timestamp": hiu.clock().UTC().Format("2006-01-02T15:04:05.000Z"),
				"consent": map[string]any{"purpose": map[string]string{"text": "Care Management", "code": "CAREMGT"}, "patient": map[string]string{"id": "asha.devi@sbx"},
					"hiu": map[string]string{"id": e.verified2}, "requester": map[string]any{"name": "Dr. Rao"}, "hiTypes": []string{"Prescription"},
					"permission": map[string]any{"accessMode": "VIEW", "dateRange": map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2026-11-01T00:00:00.000Z"},
						"dataEraseAt": "2027-06-01T00:00:00.000Z", "frequency": map[string]any{"unit": "HOUR", "value": 1, "repeats": 0}}},
			}, nil); st != 202 {
				t.Fatalf("consent init: %d", st)
			}
			var consents struct {
				Consents struct {
					Requests []struct{ ID string }
				}
			}
			if st := e.call("GET", "/cm/patients/requests", asha, nil, &consents); st != 200 || len(consents.Consents.Requests) != 1 {
				t.Fatalf("consent requests: %d %+v", st, consents)
			}
			cid := consents.Consents.Requests[0].ID
			if st := e.call("POST", "/cm/consent-requests/"+cid+"/approve", e.pinToken(t, asha, "consentrequest.approve", cid), map[string]any{"consents": []map[string]any{{
				"hip": map[string]string{"id": e.verified}, "hiTypes": []string{"Prescription"},
				"careContexts": []map[string]string{{"patientReference": "PAT-7", "careContextReference": "OP-9"}}}}}, nil); st != 200 {
				t.Fatalf("consent approve: %d", st)
			}
			notify("OP-9", "Prescription")
			evs = events()
			if len(evs) != 3 || evs[2].Event.Content.Context[0].CareContext == nil || evs[2].Event.Content.Context[0].CareContext.CareContextReference != "OP-9" {
				t.Fatalf("data event with a consent: %+v", evs[len(evs)-1])
			}

			// She narrows it to links only: the HIU is told, and new data
			// no longer reaches it.
			edit := map[string]any{"hiuId": e.verified2, "subscriptionEditAndApprovalRequest": grant(e.verified, "LINK")}
			if st := e.call("PUT", "/cm/patients/subscription-requests/"+approved.SubscriptionID, asha, edit, nil); st != 401 {
				t.Fatalf("edit without the PIN: %d", st)
			}
			if st := e.call("PUT", "/cm/patients/subscription-requests/"+approved.SubscriptionID, ashaOK, edit, nil); st != 200 {
				t.Fatalf("edit: %d", st)
			}
			ob.RunOnce(ctx)
			if all := hiu.srv.all("/v0.5/subscription-requests/hiu/notify"); len(all) != 2 || !strings.Contains(all[1], `"GRANTED"`) || strings.Contains(all[1], `"DATA"`) {
				t.Fatalf("notices after the edit: %q", all)
			}
			notify("OP-9", "Prescription")
			if len(events()) != 3 {
				t.Fatalf("a DATA event after the grant was narrowed to LINK")
			}

			// A second request, denied.
			st, _, _ = ask(e.verified2, nil)
			if st != 202 {
				t.Fatalf("second init: %d", st)
			}
			ob.RunOnce(ctx)
			ois := hiu.srv.all("/v0.5/subscription-requests/hiu/on-init")
			json.Unmarshal([]byte(ois[len(ois)-1]), &oi)
			deny := "/cm/subscription-requests/" + oi.SubscriptionRequest.ID + "/deny"
			if st := e.call("POST", deny, ravi, nil, nil); st != 404 {
				t.Fatalf("Ravi denies: %d", st)
			}
			if st := e.call("POST", deny, asha, map[string]string{"reason": "no"}, nil); st != 204 {
				t.Fatalf("deny: %d", st)
			}
			if st := e.call("POST", deny, asha, nil, nil); st != 409 {
				t.Fatalf("deny twice: %d", st)
			}
			if st := e.call("POST", "/cm/subscription-requests/"+oi.SubscriptionRequest.ID+"/approve",
				e.pinToken(t, asha, "consentrequest.approve", ""), grant(e.verified, "LINK"), nil); st != 409 {
				t.Fatalf("approve a denied request: %d", st)
			}
			ob.RunOnce(ctx)
			if all := hiu.srv.all("/v0.5/subscription-requests/hiu/notify"); len(all) != 3 || !strings.Contains(all[2], `"DENIED"`) ||
				!strings.Contains(all[2], oi.SubscriptionRequest.ID) {
				t.Fatalf("deny notice: %q", all)
			}

			// After the granted period (to 2026-12-01) nothing more is sent.
			e.now.Store(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC).UnixMilli())
			hip.tok = e.session(hip.creds).AccessToken
			hiu.tok = e.session(hiu.creds).AccessToken
			ob.RunOnce(ctx)
			e.link(t, "asha.devi@sbx", e.verified, "PAT-7", "OP-2") // the index only: no message
			query["query"].(map[string]any)["id"] = "asha.devi@sbx"
			hip.send("/gateway/v0.5/users/auth/init", nil, query, nil)
			ob.RunOnce(ctx)
			hip.last(t, "/v0.5/users/auth/on-init", &ai)
			hip.send("/gateway/v0.5/users/auth/confirm", nil, map[string]any{"transactionId": ai.Auth.TransactionID, "credential": map[string]any{"authCode": "123456"}}, nil)
			ob.RunOnce(ctx)
			hip.last(t, "/v0.5/users/auth/on-confirm", &ac)
			if st, _ := hip.send("/gateway/v0.5/links/link/add-contexts", nil, map[string]any{"link": map[string]any{"accessToken": ac.Auth.AccessToken,
				"patient": map[string]any{"referenceNumber": "PAT-7", "display": "Asha D.", "careContexts": []map[string]string{
					{"referenceNumber": "OP-10", "display": "December visit"}}}}}, nil); st != 202 {
				t.Fatalf("add-contexts after expiry: %d", st)
			}
			ob.RunOnce(ctx)
			if len(events()) != 3 {
				t.Fatalf("an event after the subscription's period: %d", len(events()))
			}
			if links, _ := e.db.Links(ctx, "asha.devi@sbx"); len(links) != 4 {
				t.Fatalf("links: %d", len(links))
			}
		})
	}
}
