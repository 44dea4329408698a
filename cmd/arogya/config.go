package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/arogya-health/arogya"
)

var (
	errUsage  = errors.New("usage")
	errFailed = errors.New("failed")
)

// Roles this binary can serve.
var knownRoles = []string{"abha", "registry", "cm", "hip", "hiu", "phr"}

// defaultRoles are served when --roles is not given: the national stack.
// A node serves facilities as HIP only when asked (--roles …,hip).
var defaultRoles = []string{"abha", "registry", "cm", "phr"}

// Config is the node's configuration: flags with AROGYA_* fallbacks.
type Config struct {
	Addr          string
	Data          string
	DB            string
	PublicURL     string
	CMID          string
	Roles         []string
	SMSOutbox     string
	SMSWebhook    string
	AdminToken    string
	MasterKeyFile string
	KYCFixtures   string
	LogLevel      string
	DebugAddr     string
	RegistryURL   string // where the cm role asks the registry whether a facility is verified
	ABHAURL       string // where the cm role fetches the ABHA service's keys to check people's tokens
	GatewayURL    string // where the abha role fetches the gateway's keys to check systems' tokens (/v1/auth/…)
	OutboxLease   string // how long a node holds a claimed outbound message before another may retry it
	CMURL         string // phr: the consent manager whose person API (/cm/…) the PHR pages use (default: this node's)
	PHRHIUID      string // phr: the facility the PHR fetches the person's own records as (an HIU the --hiu-url node serves)
	HIUURL        string // phr: the node whose HIU API (/api/v1/hiu/…) serves --phr-hiu-id (default: this node's, with the hiu role)
	PHRHIUToken   string // phr: the bearer token that HIU API takes (default: this node's operator token)

	HIPGatewayURL   string // hip: the gateway's v0.5 base the HIP bridge talks to
	HIPVersion      string // hip: the protocol the HIP bridge speaks to the gateway: v0.5 or v3
	HIPClientID     string // hip: the bridge's credentials at a remote gateway
	HIPClientSecret string
	HIPPushPrivate  string // hip: auto, yes or no: may data pushes go to private addresses (auto: when this node's public URL is private)

	HIUGatewayURL   string // hiu: the gateway's v0.5 base the HIU bridge talks to (default: --hip-gateway-url's)
	HIUClientID     string // hiu: the bridge's credentials at a remote gateway
	HIUClientSecret string
}

// newFlagSet returns a flag set whose defaults come from the environment.
func newFlagSet(name string, cfg *Config, getenv func(string) string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("arogya "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := stringFlag(fs, getenv)
	str(&cfg.Data, "data", "./arogya-data", "data directory: database, keys, admin token")
	str(&cfg.DB, "db", "", "database: sqlite:PATH or postgres://… (default sqlite in the data dir)")
	str(&cfg.MasterKeyFile, "master-key-file", "", "file holding the master key that seals the node's keys (default DATA/master.key, created 0600)")
	str(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	return fs
}

// stringFlag returns a function that defines string flags whose default is
// taken from AROGYA_<NAME> when set.
func stringFlag(fs *flag.FlagSet, getenv func(string) string) func(p *string, name, def, help string) {
	return func(p *string, name, def, help string) {
		key := "AROGYA_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := getenv(key); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, help+" (env "+key+")")
	}
}

// addServeFlags adds the flags of serve and demo.
func addServeFlags(fs *flag.FlagSet, cfg *Config, getenv func(string) string) *string {
	str := stringFlag(fs, getenv)
	str(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	str(&cfg.PublicURL, "public-url", "", "how others reach this node (default http://ADDR)")
	str(&cfg.CMID, "cm-id", "sbx", "consent manager id: the suffix of ABHA addresses")
	str(&cfg.SMSOutbox, "sms-outbox", "", "write SMS (with OTPs) to this file, one JSON object per line")
	str(&cfg.SMSWebhook, "sms-webhook", "", "POST SMS as JSON to this URL (a real SMS gateway)")
	str(&cfg.AdminToken, "admin-token", "", "operator bearer token for /api/v1/admin/… (default: generated into DATA/admin-token)")
	str(&cfg.KYCFixtures, "kyc-fixtures", "", "JSON file of Aadhaar identities to use instead of the sandbox KYC")
	str(&cfg.RegistryURL, "registry-url", "", "the facility registry the cm role checks services against (default: this node's public URL)")
	str(&cfg.CMURL, "cm-url", "", "phr: the consent manager whose person API (/cm/…) the PHR pages use (default: this node's public URL, with the cm role)")
	str(&cfg.PHRHIUID, "phr-hiu-id", "", "phr: the facility (IN…) the PHR fetches the person's own records as, served as HIU by --hiu-url's node (add it with POST /api/v1/admin/hiu/facilities); none: the timeline cannot open records")
	str(&cfg.HIUURL, "hiu-url", "", "phr: the node whose HIU API (/api/v1/hiu/…) serves --phr-hiu-id (default: this node's public URL, with the hiu role)")
	str(&cfg.PHRHIUToken, "phr-hiu-token", "", "phr: the bearer token --hiu-url's HIU API takes from the PHR: the facility's API key (POST /api/v1/admin/hiu/facilities/{id}/keys, hiu_…) when the HIU is another operator's node (default: this node's operator token, right when the HIU is this node, as in the demo)")
	str(&cfg.GatewayURL, "gateway-url", "", "abha: the HIE-CM gateway whose tokens systems call /v1/auth/… and /v1/search/… with (default: this node's public URL)")
	str(&cfg.ABHAURL, "abha-url", "", "cm: the ABHA service whose tokens people sign in with (default: this node's public URL)")
	str(&cfg.OutboxLease, "outbox-lease", "30s", "cm: how long a claimed callback is held before it is tried again (after a crash, the longest wait for redelivery)")
	str(&cfg.DebugAddr, "debug-addr", "", "serve Go's pprof profiles on this separate address, e.g. 127.0.0.1:6060 (off by default)")
	str(&cfg.HIPGatewayURL, "hip-gateway-url", "", "hip: the ABDM gateway's v0.5 base URL the HIP bridge uses (default: this node's public URL + /gateway)")
	str(&cfg.HIPClientID, "hip-client-id", "", "hip: the HIP bridge's client ID at a remote gateway (default: a bridge the local cm role creates); with the hiu role on v0.5, the one bridge both roles share")
	str(&cfg.HIPClientSecret, "hip-client-secret", "", "hip: the HIP bridge's client secret at a remote gateway")
	str(&cfg.HIPVersion, "hip-version", "v0.5", "hip: the ABDM protocol the HIP bridge speaks to the gateway, v0.5 or v3 (v3: sessions, callback URL and messages under the gateway's /api/hiecm, its v3 base beside --hip-gateway-url's /gateway; links new visits with v3 link tokens)")
	str(&cfg.HIPPushPrivate, "hip-push-private", "auto", "hip: may the HIP push records to an HIU's dataPushUrl on a loopback or private address: yes, no, or auto (yes when this node's own public URL is loopback or private, as in the demo)")
	str(&cfg.HIUGatewayURL, "hiu-gateway-url", "", "hiu: the ABDM gateway's v0.5 base URL the HIU bridge uses (default: --hip-gateway-url, else this node's public URL + /gateway)")
	str(&cfg.HIUClientID, "hiu-client-id", "", "hiu: the HIU bridge's client ID at a remote gateway (default: with the hip role on v0.5, the HIP's bridge, shared, so that a facility can be both; else a bridge the local cm role creates). Giving another ID makes the HIU a bridge of its own")
	str(&cfg.HIUClientSecret, "hiu-client-secret", "", "hiu: the HIU bridge's client secret at a remote gateway")
	roles := new(string)
	str(roles, "roles", strings.Join(defaultRoles, ","), "comma-separated roles to serve: "+strings.Join(knownRoles, ", "))
	return roles
}

// finish validates cfg and fills derived defaults.
func (c *Config) finish(roles string) error {
	if c.Data == "" {
		return fmt.Errorf("--data must not be empty")
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.Data, "arogya.db")
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--db must be sqlite:PATH or postgres://…")
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.Data, "master.key")
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("--addr: %v", err)
		}
	}
	if c.SMSOutbox != "" && c.SMSWebhook != "" {
		return fmt.Errorf("choose one of --sms-outbox and --sms-webhook")
	}
	if c.CMID == "" {
		c.CMID = "sbx"
	}
	c.Roles = nil
	for _, r := range strings.Split(roles, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(knownRoles, r) {
			return fmt.Errorf("--roles: unknown role %q (this build serves: %s)", r, strings.Join(knownRoles, ", "))
		}
		c.Roles = append(c.Roles, r)
	}
	if len(c.Roles) == 0 && roles != "" {
		return fmt.Errorf("--roles: no role given")
	}
	if (c.HIPClientID == "") != (c.HIPClientSecret == "") {
		return fmt.Errorf("give both --hip-client-id and --hip-client-secret, or neither")
	}
	switch c.HIPPushPrivate {
	case "auto", "yes", "no":
	case "":
		c.HIPPushPrivate = "auto"
	default:
		return fmt.Errorf("--hip-push-private must be auto, yes or no")
	}
	switch c.HIPVersion {
	case "":
		c.HIPVersion = "v0.5"
	case "v0.5", "v3":
	default:
		return fmt.Errorf("--hip-version must be v0.5 or v3")
	}
	if (c.HIUClientID == "") != (c.HIUClientSecret == "") {
		return fmt.Errorf("give both --hiu-client-id and --hiu-client-secret, or neither")
	}
	if c.has("hiu") && !c.has("cm") && ((c.HIUClientID == "" && !c.sharesBridge()) || (c.HIUGatewayURL == "" && c.HIPGatewayURL == "")) {
		return fmt.Errorf("--roles hiu without cm needs the remote gateway: --hiu-gateway-url (or --hip-gateway-url), --hiu-client-id and --hiu-client-secret (or, with the hip role, the HIP's, for one bridge serving both)")
	}
	if c.has("phr") && !c.has("abha") {
		return fmt.Errorf("--roles phr needs the abha role on the same node: the PHR's pages use the ABHA login")
	}
	if c.has("phr") && !c.has("cm") && c.CMURL == "" {
		return fmt.Errorf("--roles phr without cm needs --cm-url, the consent manager whose person API (/cm/…) the PHR uses")
	}
	if c.PHRHIUID != "" && !c.has("hiu") && c.HIUURL == "" {
		return fmt.Errorf("--phr-hiu-id needs the hiu role on this node or --hiu-url, the node that serves it as HIU")
	}
	if c.has("hip") && !c.has("cm") && (c.HIPClientID == "" || c.HIPGatewayURL == "") {
		return fmt.Errorf("--roles hip without cm needs the remote gateway: --hip-gateway-url, --hip-client-id and --hip-client-secret")
	}
	return nil
}

func (c *Config) has(role string) bool { return slices.Contains(c.Roles, role) }

func printVersion(w io.Writer) {
	v, commit := arogya.Version, arogya.Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if commit != "" {
		fmt.Fprintf(w, "arogya %s (%s)\n", v, commit)
	} else {
		fmt.Fprintf(w, "arogya %s\n", v)
	}
}

// ensureDataDir creates the data directory, private to the user.
func ensureDataDir(dir string) error {
	return os.MkdirAll(dir, 0o700)
}
