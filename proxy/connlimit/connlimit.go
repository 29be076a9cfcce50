// Package connlimit caps a listener's open connections, overall and per client address, so that one
// client cannot hold every connection of the server and a flood of clients cannot exhaust its memory
// or file descriptors.
package connlimit

import (
	"net"
	"net/netip"
	"sync"

	"github.com/fsscim/fsscim/proxy/clientaddr"
)

// Options set the caps; a cap below 1 means no cap.
type Options struct {
	// Max is how many connections may be open at once. Past it, Accept waits for one to close; the
	// operating system queues the new ones meanwhile.
	Max int
	// PerAddress is how many connections one client address (an IPv6 /64) may have open. A connection
	// past it is closed as soon as it is accepted.
	PerAddress int
	// Exempt names peers not capped per address: reverse proxies, which carry many clients' requests.
	Exempt func(netip.Addr) bool
	// OnWait is called each time Accept starts waiting because Max connections are open; OnRefused
	// each time a connection is closed for its address's cap. Both may be nil and must be quick.
	OnWait    func()
	OnRefused func(peer netip.Addr)
}

// Listen wraps inner with the caps of o.
func Listen(inner net.Listener, o Options) net.Listener {
	l := &listener{Listener: inner, opts: o, open: map[string]int{}, done: make(chan struct{})}
	if o.Max > 0 {
		l.slots = make(chan struct{}, o.Max)
	}
	return l
}

type listener struct {
	net.Listener
	opts      Options
	slots     chan struct{} // one per open connection; nil without Max
	done      chan struct{} // closed by Close, to end a wait for a slot
	closeOnce sync.Once

	mu   sync.Mutex
	open map[string]int // open connections per address key
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		if err := l.takeSlot(); err != nil {
			return nil, err
		}
		c, err := l.Listener.Accept()
		if err != nil {
			l.freeSlot()
			return nil, err
		}
		peer := clientaddr.Peer(c.RemoteAddr().String())
		key, ok := l.admit(peer)
		if !ok {
			_ = c.Close()
			l.freeSlot()
			if l.opts.OnRefused != nil {
				l.opts.OnRefused(peer)
			}
			continue
		}
		return &conn{Conn: c, release: func() { l.release(key); l.freeSlot() }}, nil
	}
}

// takeSlot waits for room under Max, or for Close.
func (l *listener) takeSlot() error {
	if l.slots == nil {
		return nil
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if l.opts.OnWait != nil {
		l.opts.OnWait()
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return net.ErrClosed
	}
}

func (l *listener) freeSlot() {
	if l.slots != nil {
		<-l.slots
	}
}

// admit counts a new connection against its address's cap; key is "" when it is not counted.
func (l *listener) admit(peer netip.Addr) (key string, ok bool) {
	if l.opts.PerAddress < 1 || (l.opts.Exempt != nil && peer.IsValid() && l.opts.Exempt(peer)) {
		return "", true
	}
	key = clientaddr.Key(peer)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.opts.PerAddress {
		return "", false
	}
	l.open[key]++
	return key, true
}

func (l *listener) release(key string) {
	if key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// conn gives its slot back once, however often it is closed.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite lets the HTTP server half-close a TCP connection before closing it, as it does unwrapped.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
