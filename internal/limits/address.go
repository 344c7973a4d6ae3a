package limits

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Addresses says who a request comes from, for the per-address limits.
// Without trusted proxies it is the TCP peer. Behind a reverse proxy
// (`mixstudio serve --trusted-proxy 10.0.0.0/8`), a peer inside a trusted
// prefix is the proxy: the client is the right-most X-Forwarded-For entry
// that is not itself a trusted proxy (entries to its left are whatever the
// client wrote, so never trusted). An IPv6 client counts as its /64, the
// block one subscriber gets.
type Addresses struct {
	Trusted []netip.Prefix
}

// ParseTrusted reads a comma-separated list of CIDR prefixes or addresses.
func ParseTrusted(list string) (Addresses, error) {
	var a Addresses
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			ip, err2 := netip.ParseAddr(s)
			if err2 != nil {
				return a, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", s)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		a.Trusted = append(a.Trusted, p.Masked())
	}
	return a, nil
}

// Of is the key of r's client: an IPv4 address or an IPv6 /64.
func (a Addresses) Of(r *http.Request) string {
	ip := peer(r.RemoteAddr)
	if ip.IsValid() && a.trusted(ip) {
		hops := r.Header.Values("X-Forwarded-For")
		var all []string
		for _, h := range hops {
			all = append(all, strings.Split(h, ",")...)
		}
		for i := len(all) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(all[i]))
			if err != nil {
				break // garbage: keep the last good one (the proxy at worst)
			}
			ip = hop.Unmap()
			if !a.trusted(ip) {
				break
			}
		}
	}
	if !ip.IsValid() {
		return r.RemoteAddr
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func (a Addresses) trusted(ip netip.Addr) bool {
	for _, p := range a.Trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peer(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
