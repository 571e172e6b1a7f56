package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// addrs tells where a request comes from, for the per-address limits and to
// bind long-polling sessions. Behind a reverse proxy every connection comes
// from the proxy, so the client's address is read from X-Forwarded-For — but
// only when the peer is a configured trusted proxy: anyone else could write
// any address there and slip past every per-address limit.
type addrs struct {
	// Static after construction.
	trusted []netip.Prefix
}

// parseTrusted reads the trusted_proxies setting: addresses or CIDR
// prefixes.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies: %q is neither an address nor a CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// isTrusted reports whether a is a trusted proxy.
func (a *addrs) isTrusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// of is the client address of r: the peer's IP, or, when the peer is a
// trusted proxy, the rightmost X-Forwarded-For entry that is not itself a
// trusted proxy (entries left of it were written by the client and prove
// nothing).
func (a *addrs) of(r *http.Request) string {
	peer, ok := hostIP(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !a.isTrusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		if !a.isTrusted(ip) {
			return ip.Unmap().String()
		}
	}
	return peer.String()
}

// hostIP is the IP of a "host:port" address.
func hostIP(hostport string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip, err := netip.ParseAddr(host)
	return ip.Unmap(), err == nil
}
