package main

import (
	"net/http"

	"github.com/fsscim/fsscim/freshservice"
)

// fsscimTransport is the transport the embedded fsscim's Freshservice calls go through: one shared by
// every tenant, as the fsscim binary builds it. A nil one would give each client its own.
func fsscimTransport() http.RoundTripper {
	return freshservice.NewTransport(freshservice.TransportOptions{})
}
