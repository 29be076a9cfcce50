package main

import (
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/clientaddr"
	"github.com/fsscim/fsscim/proxy/connlimit"
)

// idleTimeout closes a kept-alive connection that carries no request for this long, so that idle
// clients do not hold places under the connection caps.
const idleTimeout = 60 * time.Second

// capConnections puts the --max-connections caps on the SCIM listener. Trusted proxies are not capped
// per address: every client behind them shares their address. Each cap hit is counted in
// fsscim_connection_limit_hits_total.
func capConnections(ln net.Listener, st config.Settings, trusted []netip.Prefix, reg prometheus.Registerer) net.Listener {
	hits := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fsscim_connection_limit_hits_total",
		Help: "Connections held back by a cap: overall, a new connection waited for one to close (--max-connections); per_address, a connection was closed at once (--max-connections-per-address).",
	}, []string{"limit"})
	overall, perAddress := hits.WithLabelValues("overall"), hits.WithLabelValues("per_address")
	reg.MustRegister(hits)
	return connlimit.Listen(ln, connlimit.Options{
		Max:        st.MaxConnections,
		PerAddress: st.MaxConnectionsPerAddress,
		Exempt:     clientaddr.New(trusted).Trusted,
		OnWait:     overall.Inc,
		OnRefused:  func(netip.Addr) { perAddress.Inc() },
	})
}
