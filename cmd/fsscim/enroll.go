package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fsscim/fsscim/config"
)

const enrollUsage = `Usage:
  fsscim enroll --domain acme.freshservice.com --tenants DIR --url https://scim.example.com [--ttl 72h]
      Print a one-time link for the customer's Freshservice admin. Opened in a browser, it asks for
      the account's API key, checks it with Freshservice (it must be an account admin's) and shows the
      Tenant URL and the Secret Token to paste into Entra, once. The link is sealed with the server's
      token keys, works once, and expires after --ttl. The domain must have a tenant file in DIR.
      --url is the address Entra reaches fsscim at; the Tenant URL shown is <url>/scim/v2.

Options:
`

// maxEnrollTTL bounds how long a link stays usable: whoever holds it can enroll the tenant.
const maxEnrollTTL = 30 * 24 * time.Hour

func cmdEnroll(_ context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim enroll", stderr)
	ta := addTenantArgs(fs)
	ttl := fs.Duration("ttl", "FSSCIM_ENROLL_TTL", 72*time.Hour, "how long the link works (at most 720h)")
	publicURL := fs.String("url", "FSSCIM_PUBLIC_URL", "", "the address Entra reaches fsscim at, e.g. https://scim.example.com")
	fs.Usage = func() { fmt.Fprint(stderr, enrollUsage); fs.PrintDefaults() }
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "fsscim enroll: "+format+"\n", a...)
		return code
	}
	if *ttl <= 0 || *ttl > maxEnrollTTL {
		return fail(2, "--ttl %s: give a duration between 1m and 720h", *ttl)
	}
	if strings.TrimSpace(*publicURL) == "" {
		return fail(2, "--url is required (or FSSCIM_PUBLIC_URL): the address Entra reaches fsscim at, e.g. https://scim.example.com")
	}
	now := time.Now()
	tenant, keys, code, err := ta.load(getenv, now)
	if err != nil {
		return fail(code, "%v", err)
	}
	link, err := config.NewEnrollLink(tenant.Domain, strings.TrimSpace(*publicURL), now, *ttl)
	if err != nil {
		return fail(2, "--url: %v", err)
	}
	sealed, err := keys.SealLink(link)
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintln(stdout, link.PublicURL+"/app/enroll/"+sealed)
	fmt.Fprintf(stderr, "fsscim enroll: the link enrolls %s once, until %s; send it to the account's Freshservice admin\n",
		tenant.Domain, link.Expires.Format(time.RFC3339))
	return 0
}
