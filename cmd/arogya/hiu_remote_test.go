package main

import (
	"fmt"
	"testing"
	"time"
)

// TestHIURemoteGateway: a node serving only the hiu role (arogya serve
// --roles hiu) works against the gateway and registry of another node,
// with the bridge credentials that node's operator made: it registers its
// facility as an HIU service there, finds a person through the other
// node's consent manager, and sends a consent request that it takes.
func TestHIURemoteGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("two nodes; skipped with -short")
	}
	a, baseA, sms := testNode(t, func(c *Config) {
		c.Roles = []string{"abha", "registry", "cm"}
		c.AdminToken = "node-a-operator"
	})
	opA := map[string]string{"Authorization": "Bearer node-a-operator"}
	p := enrolPerson(t, baseA, sms)
	hiuID := verifiedFacility(t, baseA, opA, "Remote Review Clinic")
	var creds struct{ ClientID, ClientSecret string }
	jsonCall(t, "POST", baseA+"/api/v1/admin/bridges", opA, map[string]string{"id": "remote-hiu", "name": "Remote HIU bridge"}, 201, &creds)

	_, baseB, _ := testNode(t, func(c *Config) {
		c.Roles = []string{"hiu"}
		c.AdminToken = "node-b-operator"
		c.RegistryURL = baseA
		c.HIUGatewayURL = baseA + "/gateway"
		c.HIUClientID, c.HIUClientSecret = creds.ClientID, creds.ClientSecret
	})
	opB := map[string]string{"Authorization": "Bearer node-b-operator"}
	jsonCall(t, "POST", baseB+"/api/v1/admin/hiu/facilities", opB, map[string]string{"facilityId": hiuID}, 201, nil)
	waitFor(t, "node B registers its HIU at node A's gateway", func() string {
		s, err := a.db.Service(t.Context(), hiuID)
		if err != nil || !s.Active || s.BridgeID != "remote-hiu" {
			return fmt.Sprintf("%+v %v", s, err)
		}
		b, err := a.db.Bridge(t.Context(), "remote-hiu")
		if err != nil || b.URL != baseB+"/hiu" {
			return fmt.Sprintf("bridge %+v %v", b, err)
		}
		return ""
	})
	api := baseB + "/api/v1/hiu/" + hiuID
	var found struct {
		Status  string
		Patient struct{ ID string }
	}
	jsonCall(t, "POST", api+"/patients/find", opB, map[string]string{"abhaAddress": p.address}, 200, &found)
	if found.Status != "FOUND" || found.Patient.ID != p.address {
		t.Fatalf("find over the remote gateway: %+v", found)
	}
	var asked struct{ ID string }
	jsonCall(t, "POST", api+"/consent-requests", opB, map[string]any{"patient": p.address, "purpose": "CAREMGT", "hiTypes": []string{"Prescription"},
		"dateRange":   map[string]string{"from": "2025-01-01T00:00:00.000Z", "to": "2025-12-31T00:00:00.000Z"},
		"dataEraseAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, 201, &asked)
	waitFor(t, "node A's consent manager takes the request", func() string {
		var r struct{ Status, ConsentRequestID string }
		jsonCall(t, "GET", api+"/consent-requests/"+asked.ID, opB, nil, 200, &r)
		if r.Status != "REQUESTED" || r.ConsentRequestID == "" {
			return r.Status
		}
		return ""
	})
}
