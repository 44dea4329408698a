// Command spechiu is an HIU bridge written only from ABDM's published
// specifications (ndhm-gateway.yml, ndhm-hiu.yml, ndhm-devservice.yml and
// shared/docs/abdm-protocol.md), to stand in for a hospital's software
// that was never written against Arogya. It shares only e2e/specbridge
// with spechip, written from the spec, and nothing of Arogya.
//
// It opens a gateway session, sets its callback URL, registers --hiu-id
// as its HIU service and serves the HIU's callbacks at their v0.5 and v3
// paths. When told of a granted consent it acknowledges and fetches each
// artefact, checking the gateway's signature. It asks for data with
// Fidelius key material (fidelius.go, §5) and decrypts every entry the
// HIP pushes to its dataPushUrl, keeping only each record's SHA-256 and
// length. A small control API lets a test play the doctor:
//
//	POST /test/consent-request  {"patient","hipId","purpose","hiTypes","dateRange":{"from","to"},"dataEraseAt",
//	                            "frequency"?:{"unit","value","repeats"} (default HOUR, 1, 0)}
//	                            → consent-requests/init, then {"consentRequestId"} from on-init
//	POST /test/hi-request       {"consentId","dateRange"?:{"from","to"}} → health-information/cm/request for the
//	                            date range given or the artefact's, then on-request's hiRequest
//	POST /test/find             {"patient"} → patients/find, then on-find's {"patient":{"id","name"}} or {"error"}
//	GET  /test/data?transactionId=  the entries pushed for the transaction, each decrypted and
//	                            reported as careContextReference, sha256 and length of the
//	                            plaintext, decrypted and checksumMatches: never the plaintext
//	GET  /test/state            what it has received, by IDs and statuses only
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
	log.SetPrefix("spechiu: ")
	if err := run(); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

// hiu is the HIU bridge. Everything is in memory: it stands in for a
// hospital only for tests.
type hiu struct {
	g    *specbridge.Gateway
	id   string
	self string // its own base URL, for dataPushUrl

	mu         sync.Mutex
	requests   []*consentRequest
	notices    []*notice
	artefacts  map[string]*artefact // by consentId
	hiRequests []*hiRequest
	pushes     int                // data pushes received at /data/push
	data       map[string][]entry // what the pushes' entries decrypted to, by transactionId
	unclaimed  map[string][]*page // pages that came before on-request, by transactionId
}

func run() error {
	var (
		gatewayURL = flag.String("gateway", "", "the gateway's base URL (v0.5 under /gateway, v3 under /api/hiecm)")
		clientID   = flag.String("client-id", "", "the bridge's client ID")
		secret     = flag.String("client-secret", "", "the bridge's client secret")
		hiuID      = flag.String("hiu-id", "", "the HIU service ID: a facility verified in the registry")
		hiuName    = flag.String("hiu-name", "Spec HIU", "the HIU service's name")
		listen     = flag.String("listen", "127.0.0.1:0", "address for the callback and control server")
		version    = flag.String("version", specbridge.V05, "protocol version: v0.5 or v3")
		cmID       = flag.String("cm-id", "sbx", "the consent manager's ID (X-CM-ID)")
	)
	flag.Parse()
	switch {
	case *gatewayURL == "" || *clientID == "" || *secret == "" || *hiuID == "":
		return errors.New("--gateway, --client-id, --client-secret and --hiu-id are required")
	case *version != specbridge.V05 && *version != specbridge.V3:
		return errors.New("--version must be v0.5 or v3")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	g := specbridge.NewGateway(specbridge.Config{BaseURL: *gatewayURL, Version: *version, CMID: *cmID, ClientID: *clientID,
		ClientSecret: *secret, ServiceHeader: "X-HIU-ID", ServiceID: *hiuID})
	u := &hiu{g: g, id: *hiuID, self: "http://" + ln.Addr().String(), artefacts: map[string]*artefact{},
		data: map[string][]entry{}, unclaimed: map[string][]*page{}}
	return g.Serve(ctx, ln, u.routes(ctx), *hiuID, *hiuName, "HIU")
}

// routes serves the HIU callbacks at their v0.5 paths (ndhm-hiu.yml) and
// v3 paths (abdm-protocol.md §3.8), the data push, and the control API.
func (u *hiu) routes(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	u.g.HandleRoutes(ctx, mux,
		specbridge.Route{P05: "/v0.5/consent-requests/on-init", P3: "/api/v3/hiu/consent/request/on-init", Handle: u.g.Deliver},
		specbridge.Route{P05: "/v0.5/consent-requests/on-status", P3: "/api/v3/hiu/consent/request/on-status", Handle: u.g.Deliver},
		specbridge.Route{P05: "/v0.5/consents/hiu/notify", P3: "/api/v3/hiu/consent/request/notify", Handle: u.consentNotify},
		specbridge.Route{P05: "/v0.5/consents/on-fetch", P3: "/api/v3/hiu/consent/on-fetch", Handle: u.g.Deliver},
		specbridge.Route{P05: "/v0.5/health-information/hiu/on-request", P3: "/api/v3/hiu/health-information/on-request", Handle: u.g.Deliver},
		specbridge.Route{P05: "/v0.5/patients/on-find", Handle: u.g.Deliver}, // no v3 form: see find.go
	)
	mux.HandleFunc("POST /data/push", u.dataPush)
	mux.HandleFunc("POST /test/consent-request", u.testConsentRequest)
	mux.HandleFunc("POST /test/hi-request", u.testHIRequest)
	mux.HandleFunc("POST /test/find", u.testFind)
	mux.HandleFunc("GET /test/data", u.testData)
	mux.HandleFunc("GET /test/state", u.state)
	return mux
}
