// Command spechip is an HIP bridge written only from ABDM's published
// specifications (ndhm-gateway.yml, ndhm-hip.yml, ndhm-devservice.yml and
// shared/docs/abdm-protocol.md), to stand in for a facility's software
// that was never written against Arogya. It shares only e2e/specbridge
// with spechiu, written from the spec, and nothing of Arogya.
//
// It opens a gateway session, sets its callback URL, registers --hip-id as
// its HIP service, and serves the HIP's callbacks at their v0.5 and v3
// paths: discovery against the --patients file, linking with an OTP
// "sent" to the --otp-outbox file, consent notices, and health-information
// requests, which it acknowledges and reports TRANSFERRED without pushing
// records (Fidelius is a later issue). It also links new care contexts
// to a person on its own initiative (HIP-initiated linking, hiplink.go),
// as a test's front desk asks it through POST /test/auth/init,
// /test/auth/confirm and /test/link. GET /test/state shows what it has
// seen, by IDs only.
//
// Once registered it prints "listening http://HOST:PORT" as its first line
// on stdout. It logs no personal data.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/arogya-health/arogya/e2e/specbridge"
)

func main() {
	log.SetPrefix("spechip: ")
	if err := run(); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

// hip is the HIP bridge. Everything is in memory: it stands in for a
// facility only for tests.
type hip struct {
	g        *specbridge.Gateway
	id       string
	version  string // --version
	patients []*patient
	outbox   string // --otp-outbox

	outboxMu sync.Mutex // one OTP line at a time

	mu          sync.Mutex
	discoveries map[string]*discovery   // by transactionId
	pending     map[string]*pendingLink // by linkRefNumber
	links       []*link
	consents    map[string]*consent // by consentId
	transfers   []*transfer
	auths       map[string]*authTxn // users/auth authentications, by transactionId
	linkTokens  map[string]string   // v3 link tokens, by ABHA address
}

func run() error {
	var (
		gatewayURL = flag.String("gateway", "", "the gateway's base URL (v0.5 under /gateway, v3 under /api/hiecm)")
		clientID   = flag.String("client-id", "", "the bridge's client ID")
		secret     = flag.String("client-secret", "", "the bridge's client secret")
		hipID      = flag.String("hip-id", "", "the HIP service ID: a facility verified in the registry")
		hipName    = flag.String("hip-name", "Spec HIP", "the HIP service's name")
		listen     = flag.String("listen", "127.0.0.1:0", "address for the callback server")
		version    = flag.String("version", specbridge.V05, "protocol version: v0.5 or v3")
		cmID       = flag.String("cm-id", "sbx", "the consent manager's ID (X-CM-ID)")
		patients   = flag.String("patients", "", "JSON file of the HIP's patients")
		otpOutbox  = flag.String("otp-outbox", "", "file the OTPs go to, a JSON line each, instead of SMS")
	)
	flag.Parse()
	switch {
	case *gatewayURL == "" || *clientID == "" || *secret == "" || *hipID == "" || *patients == "" || *otpOutbox == "":
		return errors.New("--gateway, --client-id, --client-secret, --hip-id, --patients and --otp-outbox are required")
	case *version != specbridge.V05 && *version != specbridge.V3:
		return errors.New("--version must be v0.5 or v3")
	}
	ps, err := loadPatients(*patients)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	g := specbridge.NewGateway(specbridge.Config{BaseURL: *gatewayURL, Version: *version, CMID: *cmID, ClientID: *clientID,
		ClientSecret: *secret, ServiceHeader: "X-HIP-ID", ServiceID: *hipID})
	h := &hip{g: g, id: *hipID, version: *version, patients: ps, outbox: *otpOutbox, discoveries: map[string]*discovery{},
		pending: map[string]*pendingLink{}, consents: map[string]*consent{}, auths: map[string]*authTxn{}, linkTokens: map[string]string{}}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	return g.Serve(ctx, ln, h.routes(ctx), *hipID, *hipName, "HIP")
}

// routes serves every HIP callback at its v0.5 path (ndhm-hip.yml) and
// its v3 path (abdm-protocol.md §3.8), and the test's view of the state.
func (h *hip) routes(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	h.g.HandleRoutes(ctx, mux,
		specbridge.Route{P05: "/v0.5/care-contexts/discover", P3: "/api/v3/hip/patient/care-context/discover", Handle: h.discover},
		specbridge.Route{P05: "/v0.5/links/link/init", P3: "/api/v3/hip/link/care-context/init", Handle: h.linkInit},
		specbridge.Route{P05: "/v0.5/links/link/confirm", P3: "/api/v3/hip/link/care-context/confirm", Handle: h.linkConfirm},
		specbridge.Route{P05: "/v0.5/consents/hip/notify", P3: "/api/v3/consent/request/hip/notify", Handle: h.consentNotify},
		specbridge.Route{P05: "/v0.5/health-information/hip/request", P3: "/api/v3/hip/health-information/request", Handle: h.hiRequest},
	)
	h.g.HandleRoutes(ctx, mux, h.hipLinkRoutes()...)
	mux.HandleFunc("POST /test/auth/init", h.testAuthInit)
	mux.HandleFunc("POST /test/auth/confirm", h.testAuthConfirm)
	mux.HandleFunc("POST /test/link", h.testLink)
	mux.HandleFunc("GET /test/state", h.state)
	return mux
}

// state shows the test what the HIP has seen: IDs, references and
// statuses, no names or numbers of people.
func (h *hip) state(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	type linked struct {
		PatientReference string   `json:"patientReference"`
		CareContexts     []string `json:"careContexts"`
		ByHIP            bool     `json:"byHip"`
	}
	links := make([]linked, len(h.links))
	for i, l := range h.links {
		links[i].PatientReference, links[i].ByHIP = l.patient.ReferenceNumber, l.byHIP
		for _, cc := range l.careContexts {
			links[i].CareContexts = append(links[i].CareContexts, cc.ReferenceNumber)
		}
	}
	consents := make([]consent, 0, len(h.consents))
	for _, c := range h.consents {
		consents = append(consents, *c)
	}
	transfers := make([]transfer, len(h.transfers))
	for i, t := range h.transfers {
		transfers[i] = *t
	}
	specbridge.WriteJSON(w, http.StatusOK, map[string]any{"discoveries": len(h.discoveries), "links": links,
		"consents": consents, "transfers": transfers})
}
