package main

// Discovery and user-initiated linking (abdm-protocol.md §3.1, §3.2;
// ndhm-hip.yml care-contexts/discover, links/link/init, links/link/confirm).

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"time"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

// Link OTPs live 10 minutes and allow 3 wrong tries.
const (
	otpLife     = 10 * time.Minute
	otpMaxTries = 3
)

// discovery is what a discover found, kept by transactionId for link/init.
type discovery struct {
	abhaAddress string
	patient     *patient
}

// pendingLink is a link/init waiting for its OTP, by linkRefNumber.
type pendingLink struct {
	abhaAddress  string
	patient      *patient
	careContexts []careContext
	otp          string
	expires      time.Time
	tries        int
}

// link is a confirmed link: the person's ABHA address and the care
// contexts they linked, or the HIP linked on its own (byHIP, hiplink.go).
type link struct {
	abhaAddress  string
	patient      *patient
	careContexts []careContext
	byHIP        bool
}

func (h *hip) discover(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		TransactionID string `json:"transactionId"`
		Patient       query  `json:"patient"`
	}
	err := json.Unmarshal(m.Body, &req)
	payload := map[string]any{"transactionId": req.TransactionID}
	var (
		p   *patient
		by  []string
		ccs []careContext
	)
	if err != nil || req.TransactionID == "" {
		err = errors.New("the request needs a transactionId and a patient, with yearOfBirth a number")
	} else {
		// Under h.mu: a visit the HIP links on its own (hiplink.go) adds
		// a care context to its patient.
		h.mu.Lock()
		if p, by, err = match(h.patients, req.Patient); err == nil {
			h.discoveries[req.TransactionID] = &discovery{abhaAddress: req.Patient.ID, patient: p}
			ccs = slices.Clone(p.CareContexts)
		}
		h.mu.Unlock()
	}
	if err != nil {
		payload["error"] = specbridge.ErrorBody(m.Version, err.Error())
	} else {
		payload["patient"] = map[string]any{"referenceNumber": p.ReferenceNumber, "display": p.Name,
			"careContexts": ccs, "matchedBy": by}
	}
	h.g.Reply(ctx, m, "/v0.5/care-contexts/on-discover", "/user-initiated-linking/v3/patient/care-context/on-discover", payload)
}

func (h *hip) linkInit(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		TransactionID string `json:"transactionId"`
		Patient       struct {
			ID              string `json:"id"`
			ReferenceNumber string `json:"referenceNumber"`
			CareContexts    []struct {
				ReferenceNumber string `json:"referenceNumber"`
			} `json:"careContexts"`
		} `json:"patient"`
	}
	_ = json.Unmarshal(m.Body, &req)
	payload := map[string]any{"transactionId": req.TransactionID}
	p, ccs, why := h.linkable(req.TransactionID, req.Patient.ID, req.Patient.ReferenceNumber, req.Patient.CareContexts)
	if why != "" {
		payload["error"] = specbridge.ErrorBody(m.Version, why)
		h.g.Reply(ctx, m, "/v0.5/links/link/on-init", "/user-initiated-linking/v3/link/care-context/on-init", payload)
		return
	}
	ref, otp := specbridge.NewUUID(), newOTP()
	expires := time.Now().Add(otpLife)
	if err := h.sendOTP(p.Mobile, otp, ref); err != nil {
		payload["error"] = specbridge.ErrorBody(m.Version, "the facility could not send the OTP; try again")
		h.g.Reply(ctx, m, "/v0.5/links/link/on-init", "/user-initiated-linking/v3/link/care-context/on-init", payload)
		return
	}
	h.mu.Lock()
	h.pending[ref] = &pendingLink{abhaAddress: req.Patient.ID, patient: p, careContexts: ccs, otp: otp, expires: expires}
	h.mu.Unlock()
	payload["link"] = map[string]any{"referenceNumber": ref, "authenticationType": "MEDIATED",
		"meta": map[string]string{"communicationMedium": "MOBILE", "communicationHint": maskMobile(p.Mobile),
			"communicationExpiry": specbridge.Timestamp(expires)}}
	h.g.Reply(ctx, m, "/v0.5/links/link/on-init", "/user-initiated-linking/v3/link/care-context/on-init", payload)
}

// linkable checks a link/init against the discovery it follows: the same
// person, the patient found, and only that patient's care contexts.
func (h *hip) linkable(tx, abhaAddress, ref string, asked []struct {
	ReferenceNumber string `json:"referenceNumber"`
}) (*patient, []careContext, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.discoveries[tx]
	switch {
	case d == nil:
		return nil, nil, "no discovery with this transactionId"
	case d.abhaAddress != abhaAddress || d.patient.ReferenceNumber != ref:
		return nil, nil, "the patient is not the one discovered in this transaction"
	case len(asked) == 0:
		return nil, nil, "choose at least one care context"
	}
	var ccs []careContext
	for _, a := range asked {
		i := slices.IndexFunc(d.patient.CareContexts, func(c careContext) bool { return c.ReferenceNumber == a.ReferenceNumber })
		if i < 0 {
			return nil, nil, "a care context is not this patient's"
		}
		ccs = append(ccs, d.patient.CareContexts[i])
	}
	return d.patient, ccs, ""
}

func (h *hip) linkConfirm(ctx context.Context, m *specbridge.Inbound) {
	var req struct {
		Confirmation struct {
			LinkRefNumber string `json:"linkRefNumber"`
			Token         string `json:"token"`
		} `json:"confirmation"`
	}
	_ = json.Unmarshal(m.Body, &req)
	payload := map[string]any{}
	if l, why := h.confirm(req.Confirmation.LinkRefNumber, req.Confirmation.Token); why != "" {
		payload["error"] = specbridge.ErrorBody(m.Version, why)
	} else {
		payload["patient"] = map[string]any{"referenceNumber": l.patient.ReferenceNumber, "display": l.patient.Name, "careContexts": l.careContexts}
	}
	h.g.Reply(ctx, m, "/v0.5/links/link/on-confirm", "/user-initiated-linking/v3/link/care-context/on-confirm", payload)
}

// confirm checks the OTP of a pending link and, if right, records the link.
func (h *hip) confirm(ref, token string) (*link, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pending[ref]
	switch {
	case p == nil:
		return nil, "no link in progress with this reference number"
	case time.Now().After(p.expires):
		delete(h.pending, ref)
		return nil, "the OTP has expired; start linking again"
	case subtle.ConstantTimeCompare([]byte(p.otp), []byte(token)) != 1:
		if p.tries++; p.tries >= otpMaxTries {
			delete(h.pending, ref)
			return nil, "wrong OTP; too many tries, start linking again"
		}
		return nil, "wrong OTP"
	}
	delete(h.pending, ref)
	l := &link{abhaAddress: p.abhaAddress, patient: p.patient, careContexts: p.careContexts}
	h.links = append(h.links, l)
	return l, ""
}

// newOTP returns 6 random digits.
func newOTP() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// sendOTP is the facility's SMS: a JSON line in the --otp-outbox file.
func (h *hip) sendOTP(mobile, otp, linkRef string) error {
	h.outboxMu.Lock()
	defer h.outboxMu.Unlock()
	f, err := os.OpenFile(h.outbox, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(map[string]string{"mobile": mobile, "otp": otp, "linkRefNumber": linkRef})
	_, err = f.Write(append(line, '\n'))
	return errors.Join(err, f.Close())
}

// maskMobile shows the last 4 digits only, as the hint the person sees.
func maskMobile(m string) string {
	d := lastDigits(m, 10)
	if len(d) < 4 {
		return "******"
	}
	return "******" + d[len(d)-4:]
}
