package client

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// NodeURLs splits a comma-separated list of node addresses and turns each
// into a URL with NodeURL; an empty item is refused.
func NodeURLs(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		u, err := NodeURL(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// NodeURL turns what a user gives as a node's address into the URL the
// RPC client dials: "host:port" and CometBFT's "tcp://host:port" become
// "http://host:port"; http, https and unix URLs are kept. Anything else
// is refused with the forms that work.
func NodeURL(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("node address %q: %s (want host:port or http://host:port)", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad(err.Error())
	}
	switch u.Scheme {
	case "tcp":
		u.Scheme = "http"
	case "http", "https":
	case "unix":
		return s, nil
	default:
		return bad(fmt.Sprintf("scheme %q is not http, https, tcp or unix", u.Scheme))
	}
	if u.Hostname() == "" {
		return bad("no host")
	}
	if p := u.Port(); p == "" && strings.HasSuffix(u.Host, ":") {
		return bad("no port after the colon")
	}
	return u.String(), nil
}

// IsUnreachable reports whether err means that no node answered at all
// (nothing listening, no route, a name that does not resolve, a timeout
// while connecting), as opposed to a node that answered with an error.
//
// For a *NoAnswerError it reports whether every node was unreachable.
func IsUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var none *NoAnswerError
	if errors.As(err, &none) {
		for _, e := range none.Errs {
			if !IsUnreachable(e) {
				return false
			}
		}
		return len(none.Errs) > 0
	}
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH)
}
