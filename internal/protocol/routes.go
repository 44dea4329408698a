// Package protocol holds what every role shares about ABDM's HIE-CM wire
// protocol: the table of messages (which way each goes, its v0.5 and v3
// paths, the callback that answers it) and the envelope that correlates
// them (requestId and timestamp in the v0.5 body, REQUEST-ID and TIMESTAMP
// headers in v3; resp or response for the request a callback answers).
//
// Sources: shared/docs/abdm-protocol.md §2, §3 and the v0.5 ↔ v3 map in
// §3.8; shared/reference/abdm-api/v0.5/ndhm-{gateway,hip,hiu}.yml and
// v3/*.yml. routes_test.go holds the table against those files.
package protocol

import "strings"

// Protocol versions, as gateway.V05 and gateway.V3.
const (
	V05 = "v0.5"
	V3  = "v3"
)

// Direction is which way a message goes through the gateway.
type Direction int

const (
	// ToCM messages are sent by a bridge (HIP or HIU) to the gateway, for
	// the consent manager.
	ToCM Direction = iota + 1
	// ToBridge messages are sent by the gateway to a bridge, addressed to
	// one of its services by the X-HIP-ID or X-HIU-ID header.
	ToBridge
)

func (d Direction) String() string {
	switch d {
	case ToCM:
		return "ToCM"
	case ToBridge:
		return "ToBridge"
	}
	return "Direction(?)"
}

// Route is one message of the gateway APIs.
type Route struct {
	// Kind names the message: its v0.5 path without "/v0.5/", e.g.
	// "consent-requests/init". The v1.0 profile share keeps its version
	// ("v1.0/patients/profile/share"), and messages that exist only in v3
	// are named by their path in the v3 spec, less the leading "/" and
	// "{callback_url}", so they start with "v3/"
	// ("v3/token/generate-token"); see V3Only.
	Kind string
	Dir  Direction
	// Target is, for ToBridge, the service the message is addressed to:
	// "HIP" or "HIU", whose ID goes in X-HIP-ID or X-HIU-ID (TargetHeader),
	// or "HIP,HIU" where the spec lets the CM address either (the one that
	// asked). Empty for ToCM.
	Target string
	// V3Gateway is, for ToCM, the path under the v3 base /api/hiecm;
	// "" where §3.8 gives no v3 form.
	V3Gateway string
	// V3Bridge is, for ToBridge, the path on the bridge in v3 (under its
	// callback URL); "" where §3.8 gives no v3 form.
	V3Bridge string
	// V05Bridge is, for ToBridge, the path on a v0.5 bridge when it is not
	// "/v0.5/"+Kind: the gateway spec names two HIU callbacks by the CM's
	// path on the gateway ("…/cm/on-…"), while ndhm-hiu.yml, and the HIUs
	// built on it, serve them as "…/hiu/on-…".
	V05Bridge string
	// Reply is the Kind of the callback that answers this message; "" for
	// callbacks themselves and for health-information/notify (answered 204).
	Reply string
}

// V3Only reports whether the message exists only in v3.
func (r Route) V3Only() bool { return strings.HasPrefix(r.Kind, "v3/") }

// routes is the table. Groups follow abdm-protocol.md §3; every POST path
// of ndhm-gateway.yml is here except sessions (the token), certs,
// openid-configuration, heartbeat and hi-services (synchronous, not
// messages).
var routes = []Route{
	// §3.1 discovery.
	{Kind: "care-contexts/discover", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/patient/care-context/discover", Reply: "care-contexts/on-discover"},
	{Kind: "care-contexts/on-discover", Dir: ToCM, V3Gateway: "/user-initiated-linking/v3/patient/care-context/on-discover"},

	// §3.2 user-initiated linking.
	{Kind: "links/link/init", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/link/care-context/init", Reply: "links/link/on-init"},
	{Kind: "links/link/on-init", Dir: ToCM, V3Gateway: "/user-initiated-linking/v3/link/care-context/on-init"},
	{Kind: "links/link/confirm", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/link/care-context/confirm", Reply: "links/link/on-confirm"},
	{Kind: "links/link/on-confirm", Dir: ToCM, V3Gateway: "/user-initiated-linking/v3/link/care-context/on-confirm"},

	// §3.3 HIP-initiated linking. v3 drops users/auth: §3.8 maps
	// "users/auth + add-contexts" to generate-token (v3 only, below) and
	// /hip/v3/link/carecontext, which carries a link token in X-LINK-TOKEN
	// where add-contexts carried the users/auth access token. The users/auth
	// messages (HIP and HIU: KYC, LINK) have no v3 form in §3.8.
	{Kind: "users/auth/fetch-modes", Dir: ToCM, Reply: "users/auth/on-fetch-modes"},
	{Kind: "users/auth/on-fetch-modes", Dir: ToBridge, Target: "HIP,HIU"},
	{Kind: "users/auth/init", Dir: ToCM, Reply: "users/auth/on-init"},
	{Kind: "users/auth/on-init", Dir: ToBridge, Target: "HIP,HIU"},
	{Kind: "users/auth/confirm", Dir: ToCM, Reply: "users/auth/on-confirm"},
	{Kind: "users/auth/on-confirm", Dir: ToBridge, Target: "HIP,HIU"},
	{Kind: "users/auth/notify", Dir: ToBridge, Target: "HIP,HIU", Reply: "users/auth/on-notify"},
	{Kind: "users/auth/on-notify", Dir: ToCM},
	{Kind: "links/link/add-contexts", Dir: ToCM, V3Gateway: "/hip/v3/link/carecontext", Reply: "links/link/on-add-contexts"},
	{Kind: "links/link/on-add-contexts", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/link/on_carecontext"},
	{Kind: "v3/token/generate-token", Dir: ToCM, V3Gateway: "/v3/token/generate-token", Reply: "v3/hip/token/on-generate-token"},
	{Kind: "v3/hip/token/on-generate-token", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/token/on-generate-token"},
	{Kind: "links/context/notify", Dir: ToCM, V3Gateway: "/hip/v3/link/context/notify", Reply: "links/context/on-notify"},
	{Kind: "links/context/on-notify", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/links/context/on-notify"},
	// §3.8 maps sms/notify to v3 ".../sms/notify2", whose v0.5 twin
	// patients/sms/notify2 (ndhm-hip.yml only, not the gateway spec) has
	// a smaller body.
	{Kind: "patients/sms/notify", Dir: ToCM, V3Gateway: "/hip/v3/link/patient/links/sms/notify2", Reply: "patients/sms/on-notify"},
	{Kind: "patients/sms/on-notify", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/patients/sms/on-notify"},

	// §3.4 identification and profile share. patients/find has no v3 form
	// in §3.8; the spec has on-find addressed by X-HIU-ID or X-HIP-ID after
	// the requester. The v1.0 share has no v3 form of its own: §3.8 maps
	// only "patients/profile/share, on-share".
	{Kind: "patients/find", Dir: ToCM, Reply: "patients/on-find"},
	{Kind: "patients/on-find", Dir: ToBridge, Target: "HIP,HIU"},
	{Kind: "patients/profile/share", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/patient/share", Reply: "patients/profile/on-share"},
	{Kind: "patients/profile/on-share", Dir: ToCM, V3Gateway: "/patient-share/v3/on-share"},
	{Kind: "v1.0/patients/profile/share", Dir: ToBridge, Target: "HIP", Reply: "v1.0/patients/profile/on-share"},
	{Kind: "v1.0/patients/profile/on-share", Dir: ToCM},

	// §3.5 consent.
	{Kind: "consent-requests/init", Dir: ToCM, V3Gateway: "/consent/v3/request/init", Reply: "consent-requests/on-init"},
	{Kind: "consent-requests/on-init", Dir: ToBridge, Target: "HIU", V3Bridge: "/api/v3/hiu/consent/request/on-init"},
	{Kind: "consent-requests/status", Dir: ToCM, V3Gateway: "/consent/v3/request/status", Reply: "consent-requests/on-status"},
	{Kind: "consent-requests/on-status", Dir: ToBridge, Target: "HIU", V3Bridge: "/api/v3/hiu/consent/request/on-status"},
	{Kind: "consents/hiu/notify", Dir: ToBridge, Target: "HIU", V3Bridge: "/api/v3/hiu/consent/request/notify", Reply: "consents/hiu/on-notify"},
	{Kind: "consents/hiu/on-notify", Dir: ToCM, V3Gateway: "/consent/v3/request/hiu/on-notify"},
	{Kind: "consents/fetch", Dir: ToCM, V3Gateway: "/consent/v3/fetch", Reply: "consents/on-fetch"},
	{Kind: "consents/on-fetch", Dir: ToBridge, Target: "HIU", V3Bridge: "/api/v3/hiu/consent/on-fetch"},
	{Kind: "consents/hip/notify", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/consent/request/hip/notify", Reply: "consents/hip/on-notify"},
	{Kind: "consents/hip/on-notify", Dir: ToCM, V3Gateway: "/consent/v3/request/hip/on-notify"},

	// §3.6 data flow. The data push itself goes HIP → HIU directly
	// (dataPushUrl), not through the gateway, so it is not here.
	{Kind: "health-information/cm/request", Dir: ToCM, V3Gateway: "/data-flow/v3/health-information/request", Reply: "health-information/cm/on-request"},
	{Kind: "health-information/cm/on-request", Dir: ToBridge, Target: "HIU", V05Bridge: "/v0.5/health-information/hiu/on-request", V3Bridge: "/api/v3/hiu/health-information/on-request"},
	{Kind: "health-information/hip/request", Dir: ToBridge, Target: "HIP", V3Bridge: "/api/v3/hip/health-information/request", Reply: "health-information/hip/on-request"},
	{Kind: "health-information/hip/on-request", Dir: ToCM, V3Gateway: "/data-flow/v3/health-information/hip/on-request"},
	{Kind: "health-information/notify", Dir: ToCM, V3Gateway: "/data-flow/v3/health-information/notify"},

	// §3.7 subscriptions and patient status: no v3 form in §3.8.
	{Kind: "subscription-requests/cm/init", Dir: ToCM, Reply: "subscription-requests/cm/on-init"},
	{Kind: "subscription-requests/cm/on-init", Dir: ToBridge, Target: "HIU", V05Bridge: "/v0.5/subscription-requests/hiu/on-init"},
	{Kind: "subscription-requests/hiu/notify", Dir: ToBridge, Target: "HIU", Reply: "subscription-requests/hiu/on-notify"},
	{Kind: "subscription-requests/hiu/on-notify", Dir: ToCM},
	{Kind: "subscriptions/hiu/notify", Dir: ToBridge, Target: "HIU", Reply: "subscriptions/hiu/on-notify"},
	{Kind: "subscriptions/hiu/on-notify", Dir: ToCM},
	{Kind: "patients/status/notify", Dir: ToBridge, Target: "HIP,HIU", Reply: "patients/status/on-notify"},
	{Kind: "patients/status/on-notify", Dir: ToCM},
}

// The indexes are built once and never written after.
var (
	byKind      = index(func(r Route) string { return r.Kind })
	byV3Gateway = index(func(r Route) string { return r.V3Gateway })
	byV3Bridge  = index(func(r Route) string { return r.V3Bridge })
)

func index(key func(Route) string) map[string]int {
	m := make(map[string]int, len(routes))
	for i, r := range routes {
		if k := key(r); k != "" {
			m[k] = i
		}
	}
	return m
}

// V3Base is the path under which the gateway serves v3 messages.
const V3Base = "/api/hiecm"

// Routes returns a copy of the table.
func Routes() []Route {
	return append([]Route(nil), routes...)
}

// ByKind returns the route of a message kind.
func ByKind(kind string) (Route, bool) {
	i, ok := byKind[kind]
	if !ok {
		return Route{}, false
	}
	return routes[i], true
}

// ByV3Gateway returns the ToCM route served at path under the v3 base,
// e.g. "/consent/v3/request/init"; the path may also be given with the
// base ("/api/hiecm/consent/v3/request/init").
func ByV3Gateway(path string) (Route, bool) {
	if rest, ok := strings.CutPrefix(path, V3Base); ok && strings.HasPrefix(rest, "/") {
		path = rest
	}
	i, ok := byV3Gateway[path]
	if !ok {
		return Route{}, false
	}
	return routes[i], true
}

// ByV3Bridge returns the ToBridge route a v3 bridge serves at path, e.g.
// "/api/v3/hiu/consent/request/on-init" (for the HIP and HIU roles).
func ByV3Bridge(path string) (Route, bool) {
	i, ok := byV3Bridge[path]
	if !ok {
		return Route{}, false
	}
	return routes[i], true
}

// v05Path is the v0.5 path of a kind: "/v0.5/"+kind, or "/"+kind for
// the v1.0 profile share.
func v05Path(kind string) string {
	if strings.HasPrefix(kind, "v1.0/") {
		return "/" + kind
	}
	return "/" + V05 + "/" + kind
}

// BridgePath returns the path, under the bridge's callback URL, that a
// ToBridge message is POSTed to in the version the bridge speaks: for v0.5
// "/v0.5/"+Kind (the v1.0 share keeps "/v1.0/…"; V05Bridge where set),
// for v3 V3Bridge. It returns "" when the message has no form in that
// version, and for ToCM routes.
func BridgePath(r Route, version string) string {
	if r.Dir != ToBridge {
		return ""
	}
	switch version {
	case V05:
		if r.V3Only() {
			return ""
		}
		if r.V05Bridge != "" {
			return r.V05Bridge
		}
		return v05Path(r.Kind)
	case V3:
		return r.V3Bridge
	}
	return ""
}

// GatewayPath returns the path at which the gateway receives a ToCM
// message: for v0.5 "/v0.5/"+Kind (the v1.0 share keeps "/v1.0/…"), under
// the gateway's v0.5 base (/gateway on the sandbox); for v3 V3Gateway,
// under V3Base. It returns "" when the message has no form in that
// version, and for ToBridge routes.
func GatewayPath(r Route, version string) string {
	if r.Dir != ToCM {
		return ""
	}
	switch version {
	case V05:
		if r.V3Only() {
			return ""
		}
		return v05Path(r.Kind)
	case V3:
		return r.V3Gateway
	}
	return ""
}
