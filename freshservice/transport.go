package freshservice

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Defaults of TransportOptions.
const (
	// DefaultMaxConnsPerHost bounds the connections to one Freshservice account, and so the calls in
	// flight to it. Entra does not document how many requests one provisioning job sends at once;
	// 64 calls of a few hundred milliseconds each are thousands a minute, far above the highest
	// plan's per-minute limit, so the bound never holds back a call the account would accept.
	DefaultMaxConnsPerHost = 64
	// DefaultMaxIdleConns bounds the idle connections kept over all accounts.
	DefaultMaxIdleConns = 512
	// DefaultIdleConnTimeout closes a connection unused this long. Entra's cycles come every 40
	// minutes, so a connection is not kept from one cycle to the next.
	DefaultIdleConnTimeout = 90 * time.Second
)

// TransportOptions sizes a Transport. Zero fields take the defaults.
type TransportOptions struct {
	// MaxConnsPerHost bounds connections to one host (dialling, in use and idle). As many may stay
	// idle, so calls up to this bound reuse connections instead of opening new ones.
	MaxConnsPerHost int
	// MaxIdleConns bounds idle connections over all hosts; it is raised to MaxConnsPerHost if lower.
	MaxIdleConns    int
	IdleConnTimeout time.Duration
}

// Transport carries Freshservice calls. One Transport is meant to be shared by the clients of every
// tenant in a process: each account's connections are kept and reused across its clients, and the
// connections opened are counted. It is safe for concurrent use.
type Transport struct {
	base   *http.Transport
	opened atomic.Uint64
}

// NewTransport builds a Transport whose idle pool per host is as large as its in-flight bound, so
// that parallel calls find a kept connection instead of each opening one (against Freshservice, a
// TCP and TLS handshake).
func NewTransport(o TransportOptions) *Transport {
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = DefaultMaxIdleConns
	}
	o.MaxIdleConns = max(o.MaxIdleConns, o.MaxConnsPerHost)
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = DefaultIdleConnTimeout
	}
	t := &Transport{base: newTransport()}
	t.base.MaxConnsPerHost = o.MaxConnsPerHost
	t.base.MaxIdleConnsPerHost = o.MaxConnsPerHost
	t.base.MaxIdleConns = o.MaxIdleConns
	t.base.IdleConnTimeout = o.IdleConnTimeout
	dial := t.base.DialContext
	t.base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			t.opened.Add(1)
		}
		return c, err
	}
	return t
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) { return t.base.RoundTrip(r) }

// CloseIdleConnections closes the connections kept for reuse (http.Client calls it through this
// method).
func (t *Transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// ConnectionsOpened is how many connections the transport has opened since it was built: each one a
// new TCP connection, and against an https URL a TLS handshake.
func (t *Transport) ConnectionsOpened() uint64 { return t.opened.Load() }
