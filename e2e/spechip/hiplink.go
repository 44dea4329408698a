package main

// HIP-initiated linking (abdm-protocol.md §3.3; ndhm-gateway.yml
// users/auth/fetch-modes, init, confirm, links/link/add-contexts, and the
// v3 HIECM-LinkTokenService.yml generate-token). The person is at the
// facility's desk: a new visit gets a care context, and the HIP links it
// to their ABHA address itself.
//
//   - v0.5: users/auth verifies the person through the consent manager
//     (fetch-modes, init, confirm with the OTP the person received or with
//     their demographics); on-confirm gives an access token for linking
//     (purposes LINK, KYC_AND_LINK) and the person's details (KYC,
//     KYC_AND_LINK). links/link/add-contexts links with the token.
//   - v3: generate-token names the person with their demographics and is
//     answered with a link token, which /hip/v3/link/carecontext carries in
//     X-LINK-TOKEN.
//
// The control API lets a test play the front desk:
//
//	POST /test/auth/init     {"abhaAddress","purpose","mode"} → fetch-modes, init;
//	                         {"transactionId","modes","mode"} (v0.5)
//	POST /test/auth/confirm  {"transactionId","otp"} or {"transactionId","demographic":{"name","gender","dateOfBirth"}}
//	                         → confirm; {"linkable","validity","patient"} (v0.5)
//	POST /test/link          {"patientReference","careContext":{"referenceNumber","display"},
//	                          "transactionId"} (v0.5: links with that authentication's token; "reuseToken": true
//	                          uses it again after its one use) or
//	                          "abhaAddress","name","gender","yearOfBirth"} (v3: generate-token first)
//	                         → add-contexts or link/carecontext; {"status"}

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// authTxn is a users/auth authentication the HIP started, by the
// transactionId on-init gave.
type authTxn struct {
	abhaAddress, purpose, mode string
	accessToken                string // from on-confirm, for LINK and KYC_AND_LINK; used once
	usedToken                  string // the access token once used, for a test that the limit holds
}

// The callbacks of HIP-initiated linking, which answer requests the HIP
// awaits (Gateway.Ask). users/auth has no v3 form (§3.8), and generate-token
// no v0.5 one.
func (h *hip) hipLinkRoutes() []specbridge.Route {
	return []specbridge.Route{
		{P05: "/v0.5/users/auth/on-fetch-modes", Handle: h.g.Deliver},
		{P05: "/v0.5/users/auth/on-init", Handle: h.g.Deliver},
		{P05: "/v0.5/users/auth/on-confirm", Handle: h.g.Deliver},
		{P05: "/v0.5/links/link/on-add-contexts", P3: "/api/v3/link/on_carecontext", Handle: h.g.Deliver},
		{P3: "/api/v3/hip/token/on-generate-token", Handle: h.g.Deliver},
	}
}

// callbackError is a callback's error object, if it has one that is not null.
func callbackError(e json.RawMessage) string {
	if len(e) == 0 || string(e) == "null" {
		return ""
	}
	return string(e)
}

// ask sends a request and decodes the callback answering it into out; on
// failure it answers the control call and reports false.
func (h *hip) ask(w http.ResponseWriter, r *http.Request, c specbridge.Call, out any) bool {
	m, err := h.g.Ask(r.Context(), c)
	what := c.P05
	if what == "" {
		what = c.P3
	}
	if err != nil {
		status := http.StatusGatewayTimeout
		if errors.As(err, new(*specbridge.RefusedError)) {
			status = http.StatusBadGateway
		}
		controlError(w, status, what+": "+err.Error())
		return false
	}
	if err := json.Unmarshal(m.Body, out); err != nil {
		controlError(w, http.StatusBadGateway, what+": the callback is not the expected JSON: "+err.Error())
		return false
	}
	return true
}

// controlError answers a control call: {"error": message}.
func controlError(w http.ResponseWriter, status int, message string) {
	specbridge.WriteJSON(w, status, map[string]string{"error": message})
}

var (
	authPurposes = []string{"LINK", "KYC", "KYC_AND_LINK"}
	authModes    = []string{"MOBILE_OTP", "DIRECT", "DEMOGRAPHICS", "AADHAAR_OTP"}
)

// testAuthInit asks which modes the consent manager offers for the person
// and purpose, and, if the mode asked is one, starts the authentication.
func (h *hip) testAuthInit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ABHAAddress string `json:"abhaAddress"`
		Purpose     string `json:"purpose"`
		Mode        string `json:"mode"`
	}
	switch err := json.NewDecoder(r.Body).Decode(&in); {
	case h.version != specbridge.V05:
		controlError(w, http.StatusBadRequest, "users/auth is v0.5 only; a v3 HIP links with generate-token (POST /test/link)")
		return
	case err != nil || in.ABHAAddress == "" || !slices.Contains(authPurposes, in.Purpose) || !slices.Contains(authModes, in.Mode):
		controlError(w, http.StatusBadRequest, "need abhaAddress, purpose (LINK, KYC, KYC_AND_LINK) and mode (MOBILE_OTP, DIRECT, DEMOGRAPHICS, AADHAAR_OTP)")
		return
	}
	requester := map[string]string{"type": "HIP", "id": h.id}
	var modes struct {
		Auth struct {
			Purpose string   `json:"purpose"`
			Modes   []string `json:"modes"`
		} `json:"auth"`
		Error json.RawMessage `json:"error"`
	}
	if !h.ask(w, r, specbridge.Call{P05: "/v0.5/users/auth/fetch-modes", Payload: map[string]any{
		"query": map[string]any{"id": in.ABHAAddress, "purpose": in.Purpose, "requester": requester}}}, &modes) {
		return
	}
	if e := callbackError(modes.Error); e != "" {
		controlError(w, http.StatusBadGateway, "on-fetch-modes: "+e)
		return
	}
	if !slices.Contains(modes.Auth.Modes, in.Mode) {
		specbridge.WriteJSON(w, http.StatusConflict, map[string]any{"error": in.Mode + " is not offered", "modes": modes.Auth.Modes})
		return
	}
	var init struct {
		Auth struct {
			TransactionID string `json:"transactionId"`
			Mode          string `json:"mode"`
			Meta          struct {
				Expiry string `json:"expiry"`
			} `json:"meta"`
		} `json:"auth"`
		Error json.RawMessage `json:"error"`
	}
	if !h.ask(w, r, specbridge.Call{P05: "/v0.5/users/auth/init", Payload: map[string]any{
		"query": map[string]any{"id": in.ABHAAddress, "purpose": in.Purpose, "authMode": in.Mode, "requester": requester}}}, &init) {
		return
	}
	if e := callbackError(init.Error); e != "" || init.Auth.TransactionID == "" {
		controlError(w, http.StatusBadGateway, "on-init carried no transaction: "+e)
		return
	}
	h.mu.Lock()
	h.auths[init.Auth.TransactionID] = &authTxn{abhaAddress: in.ABHAAddress, purpose: in.Purpose, mode: init.Auth.Mode}
	h.mu.Unlock()
	specbridge.WriteJSON(w, http.StatusOK, map[string]any{"transactionId": init.Auth.TransactionID, "modes": modes.Auth.Modes,
		"mode": init.Auth.Mode, "expiry": init.Auth.Meta.Expiry})
}

// demographic is users/auth/confirm's credential.demographic.
type demographic struct {
	Name        string `json:"name"`
	Gender      string `json:"gender"`
	DateOfBirth string `json:"dateOfBirth"`
}

// testAuthConfirm confirms an authentication with the OTP the person
// received or with their demographics, and keeps the access token for
// linking. It answers whether the HIP may now link, the token's validity
// and the patient's details, as on-confirm gave them in auth (the spec's
// PatientAuthConfirmResponse).
func (h *hip) testAuthConfirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TransactionID string       `json:"transactionId"`
		OTP           string       `json:"otp"`
		Demographic   *demographic `json:"demographic"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || (in.OTP == "") == (in.Demographic == nil) {
		controlError(w, http.StatusBadRequest, "need transactionId and one of otp or demographic")
		return
	}
	h.mu.Lock()
	a := h.auths[in.TransactionID]
	h.mu.Unlock()
	if a == nil {
		controlError(w, http.StatusNotFound, "no authentication with that transactionId")
		return
	}
	credential := map[string]any{"authCode": in.OTP}
	if in.Demographic != nil {
		credential = map[string]any{"demographic": in.Demographic}
	}
	var out struct {
		Auth struct {
			AccessToken string          `json:"accessToken"`
			Validity    json.RawMessage `json:"validity"`
			Patient     json.RawMessage `json:"patient"`
		} `json:"auth"`
		Error json.RawMessage `json:"error"`
		// Patient outside auth is not where PatientAuthConfirmResponse
		// has it; kept only to tell the test where it came.
		Patient json.RawMessage `json:"patient"`
	}
	if !h.ask(w, r, specbridge.Call{P05: "/v0.5/users/auth/confirm", Payload: map[string]any{
		"transactionId": in.TransactionID, "credential": credential}}, &out) {
		return
	}
	if e := callbackError(out.Error); e != "" {
		specbridge.WriteJSON(w, http.StatusBadGateway, map[string]any{"error": "on-confirm: " + e, "callbackError": out.Error})
		return
	}
	h.mu.Lock()
	a.accessToken = out.Auth.AccessToken
	h.mu.Unlock()
	answer := map[string]any{"linkable": out.Auth.AccessToken != "", "validity": out.Auth.Validity, "patient": out.Auth.Patient}
	if callbackError(out.Patient) != "" {
		answer["patientOutsideAuth"] = out.Patient
	}
	specbridge.WriteJSON(w, http.StatusOK, answer)
}

// testLink records a new visit of a patient as a care context and links it
// to the person: in v0.5 with the access token of a confirmed
// authentication (add-contexts), in v3 with a link token generate-token
// gives for the person's demographics (link/carecontext).
func (h *hip) testLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PatientReference string      `json:"patientReference"`
		CareContext      careContext `json:"careContext"`
		TransactionID    string      `json:"transactionId"` // v0.5
		ABHAAddress      string      `json:"abhaAddress"`   // v3, with the demographics
		Name             string      `json:"name"`
		Gender           string      `json:"gender"`
		YearOfBirth      int         `json:"yearOfBirth"`
		HIType           string      `json:"hiType"` // v3; OPConsultation if not given
		// ReuseToken (v0.5) uses the access token again after its one use
		// (validity.limit), to test that the consent manager refuses it.
		ReuseToken bool `json:"reuseToken"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.PatientReference == "" || in.CareContext.ReferenceNumber == "" {
		controlError(w, http.StatusBadRequest, "need patientReference and careContext")
		return
	}
	h.mu.Lock()
	i := slices.IndexFunc(h.patients, func(p *patient) bool { return p.ReferenceNumber == in.PatientReference })
	var p *patient
	if i >= 0 {
		p = h.patients[i]
	}
	h.mu.Unlock()
	if p == nil {
		controlError(w, http.StatusNotFound, "no patient with that reference")
		return
	}
	if h.version == specbridge.V3 {
		h.linkV3(w, r, p, in.CareContext, in.ABHAAddress, in.Name, in.Gender, in.YearOfBirth, in.HIType)
		return
	}
	h.mu.Lock()
	a := h.auths[in.TransactionID]
	token := ""
	switch {
	case a != nil && in.ReuseToken:
		token = a.usedToken
	case a != nil:
		token, a.accessToken, a.usedToken = a.accessToken, "", a.accessToken // the token's limit is one use
	}
	h.mu.Unlock()
	if token == "" {
		controlError(w, http.StatusConflict, "no confirmed authentication with an access token under that transactionId")
		return
	}
	h.addVisit(p, in.CareContext)
	var out struct {
		Acknowledgement struct {
			Status string `json:"status"`
		} `json:"acknowledgement"`
		Error json.RawMessage `json:"error"`
	}
	if !h.ask(w, r, specbridge.Call{P05: "/v0.5/links/link/add-contexts", Payload: map[string]any{"link": map[string]any{
		"accessToken": token,
		"patient":     map[string]any{"referenceNumber": p.ReferenceNumber, "display": p.Name, "careContexts": []careContext{in.CareContext}},
	}}}, &out) {
		return
	}
	if e := callbackError(out.Error); e != "" || out.Acknowledgement.Status != "SUCCESS" {
		controlError(w, http.StatusBadGateway, fmt.Sprintf("on-add-contexts: status %q, error %s", out.Acknowledgement.Status, e))
		return
	}
	h.linked(a.abhaAddress, p, in.CareContext)
	specbridge.WriteJSON(w, http.StatusOK, map[string]string{"status": out.Acknowledgement.Status})
}

// linkV3 links with a link token: one generate-token gave earlier for the
// person (the NHA wrapper keeps them six months), or a new one.
func (h *hip) linkV3(w http.ResponseWriter, r *http.Request, p *patient, cc careContext, abhaAddress, name, gender string, yearOfBirth int, hiType string) {
	if abhaAddress == "" {
		controlError(w, http.StatusBadRequest, "need abhaAddress, and name, gender and yearOfBirth for generate-token")
		return
	}
	if hiType == "" {
		hiType = "OPConsultation"
	}
	h.mu.Lock()
	token := h.linkTokens[abhaAddress]
	h.mu.Unlock()
	if token == "" {
		if name == "" || gender == "" || yearOfBirth == 0 {
			controlError(w, http.StatusBadRequest, "need name, gender and yearOfBirth for generate-token")
			return
		}
		var gen struct {
			ABHAAddress string          `json:"abhaAddress"`
			LinkToken   string          `json:"linkToken"`
			Error       json.RawMessage `json:"error"`
		}
		if !h.ask(w, r, specbridge.Call{P3: "/v3/token/generate-token", Payload: map[string]any{
			"abhaAddress": abhaAddress, "name": name, "gender": gender, "yearOfBirth": yearOfBirth}}, &gen) {
			return
		}
		if e := callbackError(gen.Error); e != "" || gen.LinkToken == "" {
			specbridge.WriteJSON(w, http.StatusBadGateway, map[string]any{"error": "on-generate-token carried no link token: " + e, "callbackError": gen.Error})
			return
		}
		token = gen.LinkToken
		h.mu.Lock()
		h.linkTokens[abhaAddress] = token
		h.mu.Unlock()
	}
	h.addVisit(p, cc)
	var out struct {
		ABHAAddress string          `json:"abhaAddress"`
		Status      string          `json:"status"`
		Error       json.RawMessage `json:"error"`
	}
	if !h.ask(w, r, specbridge.Call{P3: "/hip/v3/link/carecontext", Header: map[string]string{"X-LINK-TOKEN": token}, Payload: map[string]any{
		"abhaAddress": abhaAddress,
		"patient": []map[string]any{{"referenceNumber": p.ReferenceNumber, "display": p.Name, "careContexts": []careContext{cc},
			"hiType": hiType, "count": 1}},
	}}, &out) {
		return
	}
	if e := callbackError(out.Error); e != "" {
		controlError(w, http.StatusBadGateway, "on_carecontext: "+e)
		return
	}
	h.linked(abhaAddress, p, cc)
	specbridge.WriteJSON(w, http.StatusOK, map[string]string{"status": out.Status, "abhaAddress": out.ABHAAddress})
}

// addVisit adds a care context to the patient's record, if it is new.
func (h *hip) addVisit(p *patient, cc careContext) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.ContainsFunc(p.CareContexts, func(c careContext) bool { return c.ReferenceNumber == cc.ReferenceNumber }) {
		p.CareContexts = append(slices.Clip(p.CareContexts), cc)
	}
}

// linked records a care context the HIP linked on its own.
func (h *hip) linked(abhaAddress string, p *patient, cc careContext) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.links = append(h.links, &link{abhaAddress: abhaAddress, patient: p, careContexts: []careContext{cc}, byHIP: true})
}
