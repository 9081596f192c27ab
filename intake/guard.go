package intake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"stagebot"
)

// Resolver looks up a host name's addresses (*net.Resolver is one; tests inject their own).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8") // Linux connects 0.0.0.0 to itself
	siteLocal   = netip.MustParsePrefix("fec0::/10")
	// IPv6 forms that carry an IPv4 address a gateway or the kernel may connect to.
	v4Compatible = netip.MustParsePrefix("::/96")
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
)

// Internal reports whether ip is one a URL typed in chat must not reach: loopback, private,
// link-local, unique-local, CGNAT, unspecified, or anything else that is not global
// unicast (multicast, broadcast), in IPv4 or IPv6, an IPv4 address carried in IPv6
// included.
func Internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() && (v4Compatible.Contains(ip) || nat64.Contains(ip)) {
		b := ip.As16()
		if embedded := netip.AddrFrom4([4]byte(b[12:])); Internal(embedded) {
			return true
		}
	}
	return !ip.IsGlobalUnicast() || ip.IsPrivate() || cgnat.Contains(ip) || thisNetwork.Contains(ip) || siteLocal.Contains(ip)
}

// namedExactly reports whether allowed names host itself: not by a "*." wildcard, which
// admits names an attacker may point anywhere.
func namedExactly(allowed []string, host string) bool {
	host = normalHost(host)
	hostIP, hostIsIP := parseIP(host)
	for _, a := range allowed {
		if strings.HasPrefix(a, "*.") {
			continue
		}
		if ip, ok := parseIP(a); ok && hostIsIP {
			if ip == hostIP {
				return true
			}
			continue
		}
		if normalHost(a) == host {
			return true
		}
	}
	return false
}

func normalHost(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }

func parseIP(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// guard dials for URLs people type. The address is judged in the dialer's Control, on the
// very address the socket is about to connect to, so neither a name that resolves to an
// internal address nor one that changes its answer between a check and the connection
// (DNS rebinding), nor a redirect, gets past it.
type guard struct {
	allowed  []string
	resolver Resolver
}

var baseDialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	exempt := namedExactly(g.allowed, host)
	var ips []netip.Addr
	if ip, ok := parseIP(host); ok {
		ips = []netip.Addr{ip}
	} else {
		resolver := g.resolver
		if resolver == nil {
			resolver = net.DefaultResolver
		}
		if ips, err = resolver.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
	}
	d := baseDialer
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("intake: cannot judge the address %q", address)
		}
		if !exempt && Internal(ap.Addr()) {
			return refuseInternal(host, ap.Addr())
		}
		return nil
	}
	// The addresses are tried one after another, each with its share of the time left (as
	// net.Dialer shares it), so that one that drops packets does not use up the rest's.
	deadline := time.Now().Add(baseDialer.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	d.Timeout = 0
	var firstErr error
	for i, ip := range ips {
		left := time.Until(deadline)
		share := max(left/time.Duration(len(ips)-i), min(2*time.Second, left))
		d.Deadline = time.Now().Add(share)
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		var se *stagebot.Error
		if errors.As(err, &se) {
			// One internal address refuses the name: which answer the next lookup gives
			// is the name owner's to choose.
			return nil, se
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("%s has no address", host)
	}
	return nil, firstErr
}

func refuseInternal(host string, ip netip.Addr) error {
	if h, ok := parseIP(host); ok && h == ip.Unmap().WithZone("") {
		return stagebot.Errorf(stagebot.EFORBIDDEN, "%s is an internal address; a URL may reach one only when downloads.allowed_hosts names its host", ip)
	}
	return stagebot.Errorf(stagebot.EFORBIDDEN, "%s resolves to %s, an internal address; a URL may reach one only when downloads.allowed_hosts names its host", stagebot.Quote(host), ip)
}
