package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/arogya-health/arogya"
	"github.com/arogya-health/arogya/internal/abha"
	"github.com/arogya-health/arogya/internal/auth"
	"github.com/arogya-health/arogya/internal/india"
	"github.com/arogya-health/arogya/internal/sqldb"
)

const loadUsage = `Usage:
  arogya load seed --db DSN --count 1000000 [--batch 5000]
      insert synthetic ABHAs straight into the database (with migrations)
  arogya load seed-registry --db DSN --facilities 1000000 --professionals 1000000
      insert synthetic verified facilities and professionals, and the drug list
  arogya load run --target http://127.0.0.1:8080 --scenario S [--duration 20s] [--concurrency 32]
      load a running node over HTTP; S is one of:
        enrol          Aadhaar enrolment end to end, as an ABDM client does it
                       (start the node with --sms-webhook http://SMS-LISTEN/sms)
        profile        GET /v3/profile/account, after enrolling --accounts people
        baseline-rsa   two RSA-OAEP (SHA-1) 2048-bit decryptions, all cores, no server
        baseline-http  a bare net/http JSON handler in this process
        facility-search      GET /api/v1/facilities: a name word or prefix plus a filter
        facility-near        GET /api/v1/facilities?near=LAT,LON&radius_km=5..25
        professional-search  GET /api/v1/professionals: a name word plus category
        consent-init   HIE-CM gateway: consent-requests/init, done when its on-init
                       callback arrives (needs --admin-token or AROGYA_ADMIN_TOKEN,
                       and a node with the registry and cm roles)
        consent-approve  HIE-CM: a person approves consent requests through /cm
                       with their PIN's X-AUTH-TOKEN; done when the HIU's and the
                       HIP's notices (the signed artefact) have arrived (needs
                       --admin-token, a node with the abha, registry and cm roles
                       and --sms-webhook http://SMS-LISTEN/sms; --requests)
Only loopback targets are allowed. See BENCHMARKS.md.
`

// cmdLoad is "arogya load": seed a database in bulk, or load-test a node.
func cmdLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, loadUsage)
		return errUsage
	}
	switch args[0] {
	case "seed":
		return cmdLoadSeed(ctx, args[1:], getenv, stdout, stderr)
	case "seed-registry":
		return cmdLoadSeedRegistry(ctx, args[1:], getenv, stdout, stderr)
	case "run":
		return cmdLoadRun(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, loadUsage)
		return nil
	}
	fmt.Fprintf(stderr, "arogya load: unknown subcommand %q\n\n%s", args[0], loadUsage)
	return errUsage
}

// ---- seed ----

func cmdLoadSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("load seed", &cfg, getenv, stderr)
	count := fs.Int("count", 1_000_000, "total number of ABHAs the database should hold")
	batch := fs.Int("batch", 5000, "accounts per insert transaction")
	cmid := fs.String("cm-id", "sbx", "suffix of the default ABHA addresses")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if *count < 0 || *batch < 1 {
		return fmt.Errorf("--count must be ≥ 0 and --batch ≥ 1")
	}
	if err := cfg.finish(""); err != nil {
		return err
	}
	db, _, err := openBulkDB(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer db.Close()
	_, err = seedAccounts(ctx, db, *count, *batch, *cmid, stdout)
	return err
}

// seedAccounts tops the database up to count ABHAs with synthetic accounts
// inserted batch at a time, and returns how many it inserted.
func seedAccounts(ctx context.Context, db *sqldb.DB, count, batch int, cmid string, progress io.Writer) (int, error) {
	have, err := db.CountAccounts(ctx)
	if err != nil {
		return 0, err
	}
	if have >= int64(count) {
		fmt.Fprintf(progress, "The database already holds %d ABHAs (≥ %d): nothing to seed.\n", have, count)
		return 0, nil
	}
	todo := count - int(have)
	fmt.Fprintf(progress, "Seeding %d ABHAs (the database holds %d) in batches of %d …\n", todo, have, batch)
	g := newPopulation(cmid)
	start, done, every := time.Now(), 0, max(count/20, batch)
	next := every
	for done < todo {
		n := min(batch, todo-done)
		accts := make([]*abha.Account, n)
		for i := range accts {
			accts[i] = g.account()
		}
		for try := 0; ; try++ {
			err = db.BulkCreateAccounts(ctx, accts)
			if arogya.ErrorCode(err) != arogya.ECONFLICT || try == 5 {
				break
			}
			// Random ABHA numbers collide about once per 10^5 batches
			// at this size: draw the batch's keys again.
			for _, a := range accts {
				g.rekey(a)
			}
		}
		if err != nil {
			return done, fmt.Errorf("seed: %w", err)
		}
		done += n
		if done >= next || done == todo {
			el := time.Since(start)
			fmt.Fprintf(progress, "  %d/%d inserted in %s (%.0f/s)\n", done, todo, el.Round(time.Millisecond), float64(done)/el.Seconds())
			next += every
		}
	}
	return done, nil
}

// population makes synthetic accounts with a spread like the sandbox KYC's:
// every state and district, names from the state's lists, birth dates in
// 1940-2008, slightly more women than men and a few of other gender.
type population struct {
	rnd       *mrand.Rand
	cmid      string
	states    []india.State
	districts map[string][]india.District
	first     map[string][]string // state code + "/" + gender
	last      map[string][]string
	now       time.Time
}

func newPopulation(cmid string) *population {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	p := &population{rnd: mrand.New(mrand.NewChaCha8(seed)), cmid: cmid, states: india.States(),
		districts: map[string][]india.District{}, first: map[string][]string{}, last: map[string][]string{},
		now: time.Now().UTC()}
	for _, s := range p.states {
		p.districts[s.Code] = india.Districts(s.Code)
		p.last[s.Code] = india.LastNames(s.Code)
		for _, g := range []string{"M", "F", "O"} {
			p.first[s.Code+"/"+g] = india.FirstNames(s.Code, g)
		}
	}
	return p
}

var birthFrom = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)

const birthDays = 25202 // 1940-01-01 to 2008-12-31

func (p *population) account() *abha.Account {
	r := p.rnd
	st := p.states[r.IntN(len(p.states))]
	ds := p.districts[st.Code]
	d := ds[r.IntN(len(ds))]
	gender := "M"
	switch g := r.IntN(1000); {
	case g < 4:
		gender = "O"
	case g < 510:
		gender = "F"
	}
	firsts, lasts := p.first[st.Code+"/"+gender], p.last[st.Code]
	first, last := firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
	mobile := strconv.Itoa(6+r.IntN(4)) + fmt.Sprintf("%09d", r.IntN(1_000_000_000))
	a := &abha.Account{
		FirstName: first, LastName: last, Gender: gender,
		BirthDate: birthFrom.AddDate(0, 0, r.IntN(birthDays+1)).Format(time.DateOnly),
		Mobile:    mobile, AddressLine: fmt.Sprintf("H.No. %d, Station Road, %s, %s", 1+r.IntN(999), d.Name, st.Name),
		StateCode: st.Code, DistrictCode: d.Code, PinCode: d.Pincode, KYCVerified: true,
		Type: "STANDARD", Status: abha.StatusActive, NameKey: abha.PhoneticKey(first + " " + last),
		CreatedAt: p.now, UpdatedAt: p.now,
	}
	p.rekey(a)
	return a
}

// rekey gives a a fresh ABHA number, default address and Aadhaar key.
func (p *population) rekey(a *abha.Account) {
	n, err := abha.NewNumber()
	if err != nil {
		panic("load: crypto/rand failed: " + err.Error())
	}
	var k [32]byte // like the node's keyed hash: 64 hex digits
	_, _ = rand.Read(k[:])
	a.Number, a.AadhaarKey = n, hex.EncodeToString(k[:])
	a.Preferred = n + "@" + p.cmid
	a.Addresses = []string{a.Preferred}
}

// ---- run ----

// loadOptions configures "arogya load run".
type loadOptions struct {
	Target      string
	Scenario    string
	Duration    time.Duration
	Concurrency int
	Accounts    int     // profile: people to enrol for their X-tokens
	Rate        float64 // registry and gateway scenarios: operations per second offered (open loop); 0 for closed loop

	AdminToken     string // consent-init: the node's operator token, to set up a facility and a bridge
	CallbackListen string // consent-init: where the bridge's callbacks arrive (loopback)
	CMID           string // consent-init: the node's consent manager ID (X-CM-ID); "" means sbx
	Requests       int    // consent-approve: consent requests to make first; 0 means enough for the run
	Patients       int    // consent-init: how many people the requests are for, one drawn at random each time
}

var scenarios = slices.Concat([]string{"enrol", "profile", "baseline-rsa", "baseline-http"}, registryScenarios, cmScenarios)

// openLoopScenarios take --rate.
var openLoopScenarios = slices.Concat(registryScenarios, cmScenarios)

func cmdLoadRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o loadOptions
	fs := flag.NewFlagSet("arogya load run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Target, "target", "http://127.0.0.1:8080", "the node to load (loopback only)")
	fs.StringVar(&o.Scenario, "scenario", "", "one of "+strings.Join(scenarios, ", "))
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "how long to run")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "concurrent clients")
	fs.IntVar(&o.Accounts, "accounts", 200, "profile: people to enrol first, whose X-tokens are used round-robin")
	fs.Float64Var(&o.Rate, "rate", 0, "registry and gateway scenarios: offer this many operations per second at a steady pace (open loop; latency counts from each operation's scheduled time); 0 runs closed loop")
	fs.StringVar(&o.AdminToken, "admin-token", getenv("AROGYA_ADMIN_TOKEN"), "consent-init: the node's operator token, to set up a verified facility and a bridge (env AROGYA_ADMIN_TOKEN)")
	fs.StringVar(&o.CallbackListen, "callback-listen", "127.0.0.1:9098", "consent-init: where to receive the gateway's callbacks (loopback; the bridge's URL is set to it)")
	fs.StringVar(&o.CMID, "cm-id", "sbx", "consent-init: the node's consent manager ID (X-CM-ID, the patient address suffix)")
	fs.IntVar(&o.Patients, "patients", 1_000_000, "consent-init: how many different people the consent requests are for, one drawn at random for each request")
	fs.IntVar(&o.Requests, "requests", 0, "consent-approve: consent requests to make before the timed part (0: 1,000 per second of --duration, or --rate × duration + 10%)")
	smsListen := fs.String("sms-listen", "127.0.0.1:9099", "where to receive the node's SMS webhook (start the node with --sms-webhook http://ADDR/sms)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if !slices.Contains(scenarios, o.Scenario) {
		return fmt.Errorf("--scenario must be one of %s", strings.Join(scenarios, ", "))
	}
	if o.Rate < 0 || (o.Rate > 0 && !slices.Contains(openLoopScenarios, o.Scenario)) {
		return fmt.Errorf("--rate applies to the scenarios %s and must be positive", strings.Join(openLoopScenarios, ", "))
	}
	if o.Duration <= 0 || o.Concurrency < 1 || o.Accounts < 1 {
		return fmt.Errorf("--duration, --concurrency and --accounts must be positive")
	}
	if _, err := checkLoopback(o.Target); err != nil {
		return err
	}
	var inbox *smsInbox
	if o.Scenario == "enrol" || o.Scenario == "profile" || o.Scenario == "consent-approve" {
		if err := checkLoopbackHost(hostOnly(*smsListen)); err != nil {
			return fmt.Errorf("--sms-listen: %w", err)
		}
		ln, err := net.Listen("tcp", *smsListen)
		if err != nil {
			return fmt.Errorf("--sms-listen: %w", err)
		}
		inbox = newSMSInbox()
		srv := &http.Server{Handler: inbox, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	res, err := runLoad(ctx, o, inbox, stdout)
	if err != nil {
		return err
	}
	if res.Ops == 0 {
		return fmt.Errorf("no operation succeeded (%d errors%s)", res.Errors, res.errorKinds())
	}
	return nil
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

// checkLoopback parses target and refuses anything but http(s) to this
// machine: this tool is for benchmarking one's own node, never for loading
// someone else's.
func checkLoopback(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target must be an http(s) URL such as http://127.0.0.1:8080")
	}
	if err := checkLoopbackHost(u.Hostname()); err != nil {
		return nil, fmt.Errorf("--target: %w", err)
	}
	return u, nil
}

func checkLoopbackHost(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address: arogya load only loads this machine (127.0.0.0/8, ::1, localhost)", host)
}

// runLoad runs one scenario and prints its summary line. inbox receives the
// node's SMS for the enrol and profile scenarios.
func runLoad(ctx context.Context, o loadOptions, inbox *smsInbox, stdout io.Writer) (*loadResult, error) {
	hc := newLoadClient(o.Concurrency)
	defer hc.CloseIdleConnections()
	var (
		res *loadResult
		err error
	)
	switch o.Scenario {
	case "baseline-rsa":
		res, err = runBaselineRSA(ctx, o.Duration)
	case "baseline-http":
		res, err = runBaselineHTTP(ctx, hc, o)
	case "facility-search", "facility-near", "professional-search":
		res, err = runRegistrySearch(ctx, hc, o)
	case "consent-init":
		res, err = runConsentInit(ctx, hc, o)
	case "consent-approve":
		res, err = runConsentApprove(ctx, hc, o, inbox, stdout)
	case "enrol", "profile":
		if inbox == nil {
			return nil, fmt.Errorf("%s needs the SMS inbox", o.Scenario)
		}
		var c *abdmClient
		if c, err = newABDMClient(ctx, hc, o.Target, inbox); err != nil {
			return nil, err
		}
		if o.Scenario == "enrol" {
			res = runOps(ctx, "enrol", o.Concurrency, o.Duration, func(ctx context.Context, _ int) opResult {
				r, _ := c.enrol(ctx)
				return r
			})
		} else {
			res, err = runProfile(ctx, c, o)
		}
	default:
		err = fmt.Errorf("unknown scenario %q", o.Scenario)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout, res.String())
	return res, nil
}

// newLoadClient returns the HTTP client every scenario shares: keep-alive
// connections, one idle connection per concurrent client.
func newLoadClient(concurrency int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}}
}

// ---- results ----

// opResult is the outcome of one operation.
type opResult struct {
	OK       bool
	Review   bool   // enrol: a probable duplicate held for review (409)
	Kind     string // on failure: what went wrong, e.g. "429 ABDM-1013"
	Requests int    // HTTP requests made
	Token    string // enrol: the X-token of the new account
	// Stop: there is nothing left to do (consent-approve has approved every
	// request it made); the worker stops, and the run ends early. Not an
	// operation, not an error.
	Stop bool
}

// loadResult is a scenario's totals.
type loadResult struct {
	Scenario    string
	Concurrency int
	Ops         int // successful operations
	Errors      int
	Reviews     int
	Requests    int
	Elapsed     time.Duration
	Latencies   []time.Duration // of successful operations
	Offered     float64         // the offered rate of an open-loop run, or 0
	Kinds       map[string]int  // errors by kind
	Stopped     bool            // a worker ran out of work before the end (opResult.Stop)

	// consent-init: messages answered 202, callbacks matched to a waiting
	// message, and callbacks for none (late, repeated) or unreadable.
	Accepted, Callbacks, Unmatched int
}

// runOps runs op from concurrency goroutines, each starting operations until
// d has passed; operations in flight then finish. Failures after ctx ends
// are not counted.
func runOps(ctx context.Context, name string, concurrency int, d time.Duration, op func(ctx context.Context, worker int) opResult) *loadResult {
	res := &loadResult{Scenario: name, Concurrency: concurrency, Kinds: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range concurrency {
		wg.Go(func() {
			var t tally
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				r := op(ctx, w)
				if r.Stop {
					t.stopped = true
					break
				}
				t.add(ctx, r, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			t.into(res)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// runOpsAt offers op at a steady rate per second for d, from up to
// concurrency goroutines (open loop). Each operation's latency counts from
// the moment it was scheduled, so time spent waiting for a free worker is
// included rather than hidden (no coordinated omission).
func runOpsAt(ctx context.Context, name string, concurrency int, d time.Duration, rate float64, op func(ctx context.Context, worker int) opResult) *loadResult {
	res := &loadResult{Scenario: name, Concurrency: concurrency, Kinds: map[string]int{}, Offered: rate}
	total := int(rate * d.Seconds())
	tickets := make(chan time.Time, total)
	start := time.Now()
	go func() {
		defer close(tickets)
		for i := range total {
			at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if wait := time.Until(at); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
			tickets <- at
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			var t tally
			for at := range tickets {
				if ctx.Err() != nil {
					break
				}
				r := op(ctx, w)
				if r.Stop {
					t.stopped = true
					break
				}
				t.add(ctx, r, time.Since(at))
			}
			mu.Lock()
			defer mu.Unlock()
			t.into(res)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// tally is one load worker's count, merged into the result at the end.
type tally struct {
	lat                      []time.Duration
	ok, fails, reviews, reqs int
	kinds                    map[string]int
	stopped                  bool
}

func (t *tally) add(ctx context.Context, r opResult, el time.Duration) {
	t.reqs += r.Requests
	switch {
	case r.OK:
		t.ok++
		t.lat = append(t.lat, el)
	case r.Review:
		t.reviews++
	case ctx.Err() == nil:
		t.fails++
		if t.kinds == nil {
			t.kinds = map[string]int{}
		}
		t.kinds[r.Kind]++
	}
}

func (t *tally) into(res *loadResult) {
	res.Ops += t.ok
	res.Errors += t.fails
	res.Reviews += t.reviews
	res.Requests += t.reqs
	res.Stopped = res.Stopped || t.stopped
	res.Latencies = append(res.Latencies, t.lat...)
	for k, n := range t.kinds {
		res.Kinds[k] += n
	}
}

// latencySummary is the distribution of operation latencies.
type latencySummary struct {
	N             int
	P50, P99, Max time.Duration
}

// summarize sorts lat in place and returns its nearest-rank percentiles.
func summarize(lat []time.Duration) latencySummary {
	slices.Sort(lat)
	s := latencySummary{N: len(lat)}
	if len(lat) == 0 {
		return s
	}
	s.P50, s.P99, s.Max = percentile(lat, 50), percentile(lat, 99), lat[len(lat)-1]
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p / 100 * float64(len(sorted)))
	if float64(rank) < p/100*float64(len(sorted)) {
		rank++ // ceil
	}
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Rate is successful operations per second of wall time.
func (r *loadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// String is the one-line summary.
func (r *loadResult) String() string {
	s := summarize(r.Latencies)
	unit := "ops"
	switch r.Scenario {
	case "enrol":
		unit = "enrolments"
	case "baseline-rsa":
		unit = "decryption pairs"
	case "profile", "baseline-http", "facility-search", "facility-near", "professional-search":
		unit = "requests"
	case "consent-init":
		unit = "messages"
	case "consent-approve":
		unit = "approvals"
	}
	line := fmt.Sprintf("%-13s %8d %s in %s: %.1f/s  p50 %s  p99 %s  max %s  errors %d%s  (http requests %d, concurrency %d)",
		r.Scenario, r.Ops, unit, r.Elapsed.Round(time.Millisecond), r.Rate(), fmtDur(s.P50), fmtDur(s.P99), fmtDur(s.Max),
		r.Errors, r.errorKinds(), r.Requests, r.Concurrency)
	if r.Offered > 0 {
		line += fmt.Sprintf("  offered %.0f/s open loop", r.Offered)
	}
	if r.Scenario == "consent-init" {
		line += fmt.Sprintf("  202s %d, callbacks %d, unmatched callbacks %d", r.Accepted, r.Callbacks, r.Unmatched)
	}
	if r.Scenario == "consent-approve" {
		line += fmt.Sprintf("  200s %d, notices %d, unmatched notices %d", r.Accepted, r.Callbacks, r.Unmatched)
	}
	if r.Scenario == "enrol" || r.Reviews > 0 {
		line += fmt.Sprintf("  409 reviews %d", r.Reviews)
	}
	if r.Stopped {
		line += "  (ended early: no work left; raise --requests)"
	}
	return line
}

func (r *loadResult) errorKinds() string {
	if len(r.Kinds) == 0 {
		return ""
	}
	keys := make([]string, 0, len(r.Kinds))
	for k := range r.Kinds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, r.Kinds[k])
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

// ---- baselines ----

// runBaselineRSA measures what bounds enrolment on this machine: an
// enrolment decrypts loginId (the Aadhaar number) and otpValue, two RSA-OAEP
// SHA-1 decryptions with the node's 2048-bit key, on every core.
func runBaselineRSA(ctx context.Context, d time.Duration) (*loadResult, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	var cts [2][]byte
	for i, pt := range []string{"234123412346", "123456"} {
		if cts[i], err = rsa.EncryptOAEP(sha1.New(), rand.Reader, &key.PublicKey, []byte(pt), nil); err != nil {
			return nil, err
		}
	}
	key.Precompute()
	res := runOps(ctx, "baseline-rsa", runtime.GOMAXPROCS(0), d, func(context.Context, int) opResult {
		for _, ct := range cts {
			if _, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil); err != nil {
				return opResult{Kind: "decrypt"}
			}
		}
		return opResult{OK: true}
	})
	return res, nil
}

// baselineProfile is a JSON object the size of a profile (about 700 bytes).
type baselineProfile struct {
	ABHANumber  string   `json:"ABHANumber"`
	Preferred   string   `json:"preferredAbhaAddress"`
	Mobile      string   `json:"mobile"`
	Name        string   `json:"name"`
	FirstName   string   `json:"firstName"`
	MiddleName  string   `json:"middleName"`
	LastName    string   `json:"lastName"`
	YearOfBirth string   `json:"yearOfBirth"`
	DayOfBirth  string   `json:"dayOfBirth"`
	MonthOfBrth string   `json:"monthOfBirth"`
	Gender      string   `json:"gender"`
	Email       *string  `json:"email"`
	Address     string   `json:"address"`
	State       string   `json:"stateName"`
	StateCode   string   `json:"stateCode"`
	District    string   `json:"districtName"`
	DistrictCod string   `json:"districtCode"`
	PinCode     string   `json:"pincode"`
	Status      string   `json:"abhaStatus"`
	Type        string   `json:"abhaType"`
	KYC         bool     `json:"kycVerified"`
	Addresses   []string `json:"phrAddress"`
	Photo       string   `json:"profilePhoto"`
	Created     string   `json:"createdDate"`
}

// runBaselineHTTP loads a bare net/http JSON handler served from this
// process, with the client code and concurrency of the other scenarios.
func runBaselineHTTP(ctx context.Context, hc *http.Client, o loadOptions) (*loadResult, error) {
	p := baselineProfile{ABHANumber: "91-1234-5678-9012", Preferred: "91123456789012@sbx", Mobile: "******3210",
		Name: "Gaurav Kumar Sharma", FirstName: "Gaurav", MiddleName: "Kumar", LastName: "Sharma", YearOfBirth: "1991",
		DayOfBirth: "14", MonthOfBrth: "7", Gender: "M", Address: "H.No. 221, Station Road, Visakhapatnam, Andhra Pradesh",
		State: "Andhra Pradesh", StateCode: "28", District: "Visakhapatnam", DistrictCod: "520", PinCode: "530001",
		Status: "ACTIVE", Type: "STANDARD", KYC: true, Addresses: []string{"91123456789012@sbx", "gaurav.sharma@sbx"},
		Created: "2026-01-05T10:11:12.345Z"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(p)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/v3/profile/account"
	return runOps(ctx, "baseline-http", o.Concurrency, o.Duration, func(ctx context.Context, _ int) opResult {
		return getJSON(ctx, hc, url, "")
	}), nil
}

// getJSON makes one GET with the ABDM headers and reads the whole answer.
func getJSON(ctx context.Context, hc *http.Client, url, token string) opResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return opResult{Kind: "request", Requests: 1}
	}
	setABDMHeaders(req, token)
	resp, err := hc.Do(req)
	if err != nil {
		return opResult{Kind: "network", Requests: 1}
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return opResult{Kind: "network", Requests: 1}
	}
	if resp.StatusCode != http.StatusOK {
		return opResult{Kind: strconv.Itoa(resp.StatusCode), Requests: 1}
	}
	return opResult{OK: true, Requests: 1}
}

func setABDMHeaders(req *http.Request, token string) {
	req.Header.Set("REQUEST-ID", uuid.NewString())
	req.Header.Set("TIMESTAMP", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	if token != "" {
		req.Header.Set("X-token", "Bearer "+token)
	}
}

// ---- ABDM client ----

// smsInbox is the load tool's SMS gateway: the node POSTs every SMS to it,
// and it hands each OTP to the enrolment waiting on that mobile number.
type smsInbox struct {
	mu      sync.Mutex
	waiting map[string]chan string // mobile -> OTP
}

func newSMSInbox() *smsInbox { return &smsInbox{waiting: map[string]chan string{}} }

// expect registers interest in the next OTP sent to mobile; call it before
// the request that sends the OTP, and done when finished.
func (b *smsInbox) expect(mobile string) (otp <-chan string, done func()) {
	ch := make(chan string, 1)
	b.mu.Lock()
	b.waiting[mobile] = ch
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if b.waiting[mobile] == ch {
			delete(b.waiting, mobile)
		}
		b.mu.Unlock()
	}
}

// ServeHTTP accepts the node's webhook POSTs {"to","text","otp","at"}.
func (b *smsInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST SMS here", http.StatusMethodNotAllowed)
		return
	}
	var m struct {
		To  string `json:"to"`
		OTP string `json:"otp"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	ch := b.waiting[m.To]
	b.mu.Unlock()
	if ch != nil && m.OTP != "" {
		select {
		case ch <- m.OTP:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// abdmClient enrols people the way an ABDM client does.
type abdmClient struct {
	hc    *http.Client
	base  string
	pub   string // the node's encryption key, base64 SPKI
	inbox *smsInbox
	kyc   abha.KYC
}

func newABDMClient(ctx context.Context, hc *http.Client, target string, inbox *smsInbox) (*abdmClient, error) {
	c := &abdmClient{hc: hc, base: strings.TrimRight(target, "/"), inbox: inbox, kyc: abha.NewSandboxKYC()}
	var cert struct {
		PublicKey string `json:"publicKey"`
	}
	if _, kind := c.call(ctx, http.MethodGet, "/v3/profile/public/certificate", nil, &cert); kind != "" || cert.PublicKey == "" {
		return nil, fmt.Errorf("could not get the node's public key from %s/v3/profile/public/certificate (%s)", c.base, kind)
	}
	c.pub = cert.PublicKey
	return c, nil
}

// call makes one request with the ABDM headers; kind is "" on 200, else
// the status and ABDM code, e.g. "429 ABDM-1013".
func (c *abdmClient) call(ctx context.Context, method, path string, body, out any) (status int, kind string) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "encode"
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, "request"
	}
	setABDMHeaders(req, "")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "network"
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, "network"
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return resp.StatusCode, strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + e.Error.Code)
	}
	if out != nil && json.Unmarshal(data, out) != nil {
		return resp.StatusCode, "bad json"
	}
	return resp.StatusCode, ""
}

// otpWait bounds the wait for the node's SMS.
const otpWait = 10 * time.Second

// enrol enrols one new person by Aadhaar OTP: request the OTP, read it from
// the SMS, enrol. The mobile the OTP goes to is known in advance because
// the node's sandbox KYC derives identities from the number.
func (c *abdmClient) enrol(ctx context.Context) (opResult, error) {
	aadhaar := randomAadhaar()
	id, err := c.kyc.Lookup(ctx, aadhaar)
	if err != nil {
		return opResult{Kind: "kyc"}, err
	}
	loginID, err := auth.EncryptOAEP(c.pub, []byte(aadhaar))
	if err != nil {
		return opResult{Kind: "encrypt"}, err
	}
	otpc, done := c.inbox.expect(id.Mobile)
	defer done()
	var txn struct {
		TxnID string `json:"txnId"`
	}
	_, kind := c.call(ctx, http.MethodPost, "/v3/enrollment/request/otp", map[string]any{
		"txnId": "", "scope": []string{"abha-enrol"}, "loginHint": "aadhaar", "loginId": loginID, "otpSystem": "aadhaar",
	}, &txn)
	if kind != "" {
		return opResult{Kind: "otp " + kind, Requests: 1}, nil
	}
	var otp string
	select {
	case otp = <-otpc:
	case <-time.After(otpWait):
		return opResult{Kind: "sms timeout", Requests: 1}, nil
	case <-ctx.Done():
		return opResult{Kind: "cancelled", Requests: 1}, ctx.Err()
	}
	otpValue, err := auth.EncryptOAEP(c.pub, []byte(otp))
	if err != nil {
		return opResult{Kind: "encrypt", Requests: 1}, err
	}
	var out struct {
		Tokens struct {
			Token string `json:"token"`
		} `json:"tokens"`
		Profile struct {
			ABHANumber string `json:"ABHANumber"`
		} `json:"ABHAProfile"`
	}
	status, kind := c.call(ctx, http.MethodPost, "/v3/enrollment/enrol/byAadhaar", map[string]any{
		"authData": map[string]any{"authMethods": []string{"otp"},
			"otp": map[string]string{"txnId": txn.TxnID, "otpValue": otpValue, "mobile": id.Mobile}},
		"consent": map[string]string{"code": "abha-enrollment", "version": "1.4"},
	}, &out)
	switch {
	case status == http.StatusConflict:
		return opResult{Review: true, Requests: 2}, nil
	case kind != "":
		return opResult{Kind: "enrol " + kind, Requests: 2}, nil
	case out.Profile.ABHANumber == "" || out.Tokens.Token == "":
		return opResult{Kind: "enrol no ABHA number or token", Requests: 2}, nil
	}
	return opResult{OK: true, Requests: 2, Token: out.Tokens.Token}, nil
}

// randomAadhaar returns a fresh well-formed Aadhaar number: first digit 2-9,
// ten random digits, the Verhoeff check digit.
func randomAadhaar() string {
	body := strconv.Itoa(2+mrand.IntN(8)) + fmt.Sprintf("%010d", mrand.Int64N(10_000_000_000))
	return body + strconv.Itoa(abha.VerhoeffDigit(body))
}

// runProfile enrols o.Accounts people for their X-tokens, then reads
// profiles with them round-robin.
func runProfile(ctx context.Context, c *abdmClient, o loadOptions) (*loadResult, error) {
	var (
		mu     sync.Mutex
		tokens []string
		next   = make(chan struct{}, o.Accounts)
		wg     sync.WaitGroup
		fails  int
	)
	for range o.Accounts {
		next <- struct{}{}
	}
	close(next)
	for range min(o.Concurrency, o.Accounts) {
		wg.Go(func() {
			for range next {
				r, _ := c.enrol(ctx)
				mu.Lock()
				if r.OK {
					tokens = append(tokens, r.Token)
				} else if !r.Review {
					fails++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("profile: could not enrol anyone to get X-tokens (%d failures)", fails)
	}
	url := c.base + "/v3/profile/account"
	var turn atomic.Uint64
	return runOps(ctx, "profile", o.Concurrency, o.Duration, func(ctx context.Context, _ int) opResult {
		tok := tokens[(turn.Add(1)-1)%uint64(len(tokens))]
		return getJSON(ctx, c.hc, url, tok)
	}), nil
}
