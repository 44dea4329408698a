package main

// Identifying a patient by their ABHA address (abdm-protocol.md §3.4;
// ndhm-gateway.yml patients/find, patients/on-find). §3.8 gives
// patients/find no v3 form, so a v3 HIU sends it in its v0.5 form too and
// is answered at /v0.5/patients/on-find.

import (
	"encoding/json"
	"net/http"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// testFind sends patients/find for an ABHA address and answers with what
// on-find said: {"patient":{"id","name"}} or {"error":{…}}.
func (u *hiu) testFind(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Patient string `json:"patient"` // the person's ABHA address or number
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Patient == "" {
		controlError(w, http.StatusBadRequest, "need patient")
		return
	}
	var out struct {
		Patient *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"patient"`
		Error json.RawMessage `json:"error"`
	}
	payload := map[string]any{"query": map[string]any{
		"patient":   map[string]string{"id": in.Patient},
		"requester": map[string]string{"type": "HIU", "id": u.id},
	}}
	if !u.ask(r.Context(), w, "/v0.5/patients/find", "", payload, &out) {
		return
	}
	answer := map[string]any{"patient": out.Patient}
	if len(out.Error) > 0 && string(out.Error) != "null" {
		answer["error"] = out.Error
	}
	specbridge.WriteJSON(w, http.StatusOK, answer)
}
