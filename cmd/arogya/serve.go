package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/hip"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	var cfg Config
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := newFlagSet(name, &cfg, getenv, stderr)
	roles := addServeFlags(fs, &cfg, getenv)
	people := 0
	if demo {
		fs.IntVar(&people, "people", 1000, "synthetic people to enrol on an empty data dir")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if demo && *roles == strings.Join(defaultRoles, ",") {
		*roles += ",hip,hiu" // the demo shows facilities' records, and clinicians fetching them, too
	}
	if err := cfg.finish(*roles); err != nil {
		return err
	}
	logger, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	slog.SetDefault(logger) // packages that log through slog's default log JSON too
	tuneGC(getenv)
	fresh := false
	if demo {
		fresh = isFresh(cfg)
		if cfg.SMSOutbox == "" && cfg.SMSWebhook == "" {
			cfg.SMSOutbox = filepath.Join(cfg.Data, "sms-outbox.jsonl")
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	cfg.Addr = ln.Addr().String()
	n, err := newNode(ctx, cfg, logger, nodeOptions{})
	if err != nil {
		return err
	}
	defer n.Close()

	var seeded *seedResult
	if demo && fresh {
		fmt.Fprintf(stdout, "Seeding %d synthetic people into %s …\n", people, cfg.Data)
		start := time.Now()
		if seeded, err = seed(ctx, n, people, stdout); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		fmt.Fprintf(stdout, "Seeded %d people across %d states and UTs in %s.\n", seeded.People, seeded.States, time.Since(start).Round(time.Millisecond))
		if n.registry != nil {
			start = time.Now()
			if seeded.Registry, err = seedRegistryDemo(ctx, n, nil); err != nil {
				return fmt.Errorf("seeding the registry: %w", err)
			}
			r := seeded.Registry
			fmt.Fprintf(stdout, "Seeded %d facilities, %d professionals and health workers, %d drugs, and %d submissions awaiting verification in %s.\n",
				r.Facilities, r.Professionals, r.Drugs, r.Pending, time.Since(start).Round(time.Millisecond))
		}
	} else if demo {
		fmt.Fprintf(stdout, "Data dir %s is not empty: not seeding again.\n", cfg.Data)
	}

	srv := &http.Server{
		Handler:           n.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	jctx, stopJanitor := context.WithCancel(ctx)
	defer stopJanitor()
	go n.janitor(jctx)
	if cfg.DebugAddr != "" {
		dbg, err := serveDebug(cfg.DebugAddr)
		if err != nil {
			return err
		}
		defer dbg.Close()
		logger.Info("serving pprof", "addr", cfg.DebugAddr)
	}
	logger.Info("serving", "addr", cfg.Addr, "roles", cfg.Roles, "db", dbKind(cfg.DB))
	if seeded != nil && n.hip != nil && n.registry != nil {
		// After the server starts: the HIP asks the registry over HTTP.
		start := time.Now()
		if seeded.HIP, err = seedHIPDemo(ctx, n, seeded.Logins, nil); err != nil {
			return fmt.Errorf("seeding the facilities' records: %w", err)
		}
		fmt.Fprintf(stdout, "Seeded %d records at %d hospitals for %d people in %s; the HIP links them to their ABHA addresses in the background.\n",
			seeded.HIP.Records, seeded.HIP.Facilities, seeded.HIP.People, time.Since(start).Round(time.Millisecond))
	}
	if seeded != nil && n.hiu != nil && n.registry != nil {
		if seeded.HIU, err = seedHIUDemo(ctx, n); err != nil {
			return fmt.Errorf("seeding the HIU's clinician: %w", err)
		}
		if err := seedPHRHIUDemo(ctx, n); err != nil {
			return fmt.Errorf("seeding the PHR's HIU: %w", err)
		}
	} else if demo {
		if err := restorePHRHIUDemo(ctx, n); err != nil {
			return fmt.Errorf("finding the PHR's HIU: %w", err)
		}
	}
	printBanner(stdout, n, seeded, demo)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func dbKind(dsn string) string {
	if len(dsn) >= 7 && dsn[:7] == "sqlite:" {
		return "sqlite"
	}
	return "postgres"
}

// isFresh reports whether the node has no database yet (SQLite) or no data
// dir at all.
func isFresh(cfg Config) bool {
	if dbKind(cfg.DB) == "sqlite" {
		_, err := os.Stat(cfg.DB[len("sqlite:"):])
		return errors.Is(err, os.ErrNotExist)
	}
	_, err := os.Stat(filepath.Join(cfg.Data, "admin-token"))
	return errors.Is(err, os.ErrNotExist)
}

func printBanner(w io.Writer, n *node, s *seedResult, demo bool) {
	u := n.cfg.PublicURL
	fmt.Fprintf(w, "\nArogya is running at %s  (Ctrl-C to stop)\n\n", u)
	fmt.Fprintf(w, "  Enrol for an ABHA:   %s/abha/enrol\n", u)
	fmt.Fprintf(w, "  Log in:              %s/abha/login\n", u)
	if n.phrPages != nil {
		fmt.Fprintf(w, "  My records (PHR):    %s/abha/records  (after logging in)\n", u)
	}
	fmt.Fprintf(w, "  ABHA v3 API:         %s/v3/enrollment/request/otp  (public key: %s/v3/profile/public/certificate)\n", u, u)
	fmt.Fprintf(w, "  Our API (OpenAPI):   %s/openapi.json\n", u)
	fmt.Fprintf(w, "  Keys (JWKS):         %s/.well-known/jwks.json\n", u)
	fmt.Fprintf(w, "  Health, metrics:     %s/healthz  %s/readyz  %s/metrics\n", u, u, u)
	if n.cfg.SMSOutbox != "" {
		fmt.Fprintf(w, "  OTPs are written to: %s\n", n.cfg.SMSOutbox)
	}
	if n.registry != nil {
		fmt.Fprintf(w, "  Registries:          %s/registry/  (API: %s/api/v1/facilities?q=…)\n", u, u)
		fmt.Fprintf(w, "  Verifier sign-in:    %s/registry/verify/login\n", u)
	}
	if n.gateway != nil {
		fmt.Fprintf(w, "  HIE-CM gateway:      %s/gateway/v0.5/…  %s/api/hiecm/…  (bridges: POST %s/api/v1/admin/bridges)\n", u, u, u)
		fmt.Fprintf(w, "  Person's CM API:     %s/cm/…  (Authorization: Bearer <ABHA X-token>)\n", u)
		fmt.Fprintf(w, "  CM operator pages:   %s/cm/ops/  (sign in with the operator token)\n", u)
	}
	if n.hip != nil {
		fmt.Fprintf(w, "  Facility EMR API:    %s/api/v1/hip/{facilityId}/…  (facilities: POST %s/api/v1/admin/hip/facilities)\n", u, u)
		fmt.Fprintf(w, "  Facility EMR pages:  %s/emr/  (staff sign in with facility ID, HPR number and password)\n", u)
	}
	if n.hiu != nil {
		fmt.Fprintf(w, "  Clinicians' HIU API: %s/api/v1/hiu/{facilityId}/…  (facilities: POST %s/api/v1/admin/hiu/facilities; data pushed to %s/hiu/v0.5/health-information/transfer)\n", u, u, u)
		fmt.Fprintf(w, "  Clinicians' pages:   %s/hiu/  (clinicians sign in with facility ID, HPR number and password)\n", u)
	}
	if n.hip != nil || n.hiu != nil {
		fmt.Fprintf(w, "  Staff accounts:      %s/cm/ops/facilities  (the operator adds EMR staff and HIU clinicians)\n", u)
	}
	fmt.Fprintf(w, "  Operator token in:   %s\n", filepath.Join(n.cfg.Data, "admin-token"))
	if s != nil && s.HIP != nil && s.HIP.Staff != nil {
		st := s.HIP.Staff
		fmt.Fprintf(w, "\nDemo doctor at %s (%s): HPR %s, one-time password %s\n", st.FacilityName, st.Facility, st.HPRID, st.Password)
		fmt.Fprintf(w, "  first set a password of their own: %s/emr/password (or POST %s/api/v1/hip/%s/staff/password {\"hprId\",\"password\",\"newPassword\"})\n", u, u, st.Facility)
		fmt.Fprintf(w, "  then sign in: %s/emr/sign-in (or POST %s/api/v1/hip/%s/staff/sign-in {\"hprId\",\"password\"})\n", u, u, st.Facility)
	}
	if s != nil && s.HIU != nil {
		st := s.HIU
		role := "served as HIU"
		if n.hip != nil {
			if f, err := n.hip.Facilities(arogya.NewContext(context.Background(), arogya.Actor{Kind: arogya.ActorOperator})); err == nil &&
				slices.ContainsFunc(f, func(f *hip.Facility) bool { return f.ID == st.Facility }) {
				role = "served as HIP and HIU: its doctors ask other hospitals for records"
			}
		}
		fmt.Fprintf(w, "\nDemo clinician at %s (%s), %s: HPR %s, one-time password %s\n", st.FacilityName, st.Facility, role, st.HPRID, st.Password)
		fmt.Fprintf(w, "  first set a password of their own: %s/hiu/password, then sign in: %s/hiu/sign-in\n", u, u)
	}
	if s != nil && s.Registry != nil {
		fmt.Fprintf(w, "\nDemo verifiers (each sees and decides only their own state's submissions):\n")
		for _, v := range s.Registry.Verifiers {
			fmt.Fprintf(w, "  %-18s ID %s  key %s\n", v.State, v.ID, v.Key)
		}
	}
	if s != nil && len(s.Logins) > 0 {
		fmt.Fprintf(w, "\nDemo logins (password login at %s/abha/login):\n", u)
		for _, l := range s.Logins {
			fmt.Fprintf(w, "  ABHA %s  address %-28s password %s   (%s, %s)\n", l.Number, l.Address, l.Password, l.Name, l.State)
		}
		fmt.Fprintf(w, "\nTo enrol someone new, use any Aadhaar number that passes the Verhoeff check, e.g. %s;\n", s.FreshAadhaar)
		fmt.Fprintf(w, "the sandbox KYC makes up their identity and the OTP appears in the outbox file above.\n\n")
	} else if demo {
		fmt.Fprintln(w)
	}
}

// serveDebug serves net/http/pprof on its own listener, never on the public
// one.
func serveDebug(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// tuneGC trades memory for CPU when the operator has not chosen: the live
// heap of a node is small (tens of MB), and collecting it at Go's default
// (GOGC=100) cost about a tenth of the CPU of profile reads. GOGC=400 lets
// the heap grow to five times the live set before a collection.
//
// The registry's search index is a large live heap (about 300 MB for a
// million facilities and a million professionals), where five times the
// live set would be wasteful: a soft limit of 1 GiB (unless GOMEMLIMIT is
// set) makes the collector run earlier once the heap nears it.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}
