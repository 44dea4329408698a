package hip

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// The dataPushUrl of a health-information request is chosen by the HIU,
// which is outside this node. Left unchecked, any HIU could make the HIP
// POST to addresses only the HIP can reach: its database's admin port, a
// cloud metadata service (169.254.169.254), the hospital's own network.
// So a production bridge pushes only to public addresses. The check is
// made on the address actually dialled, after DNS and after redirects,
// so a name that resolves (or is re-pointed) to a private address is
// refused too.

// errPrivatePush is what a push to a non-public address fails with.
var errPrivatePush = errors.New("hip: the dataPushUrl resolves to an address that is not public; set AllowPrivatePush for a private deployment")

// cgnat is the shared address space of RFC 6598, private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a public unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !cgnat.Contains(ip)
}

// pushClient returns the client data pushes go through: base's settings,
// with a dialer that refuses non-public addresses unless allowPrivate.
func pushClient(base *http.Client, allowPrivate bool) *http.Client {
	if allowPrivate {
		return base
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return errPrivatePush
			}
			return nil
		}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would dial for us, past the check
	tr.DialContext = d.DialContext
	c := *base
	c.Transport = tr
	return &c
}
