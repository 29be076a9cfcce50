package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdHealth probes a running fsscim's /readyz, for container HEALTHCHECKs on images without curl.
func cmdHealth(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("fsscim health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := "http://127.0.0.1:8080/readyz"
	if l := getenv("FSSCIM_LISTEN"); len(l) > 1 && l[0] == ':' {
		def = "http://127.0.0.1" + l + "/readyz"
	}
	url := fs.String("url", def, "readiness URL to probe")
	insecure := fs.Bool("insecure-skip-verify", false, "accept the server's certificate without checking it (https on 127.0.0.1 with a certificate for the public name)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim health [--url URL]\n\nExit 0 when fsscim answers ready, 1 otherwise. Meant for container health checks.\n\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: *insecure, MinVersion: tls.VersionTLS12}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim health: %v\n", err)
		return 2
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim health: not reachable: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "fsscim health: not ready (%d): %s\n", resp.StatusCode, body)
		return 1
	}
	fmt.Fprintf(stdout, "ready\n")
	return 0
}
