package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/status"
)

// cmdStatus asks a running fsscim's admin listener for every tenant's status (GET /status) and prints
// it as a table, or as JSON. It finds the listener as health does: FSSCIM_ADMIN_LISTEN, and TLS with
// exactly the certificate FSSCIM_TLS_CERT names.
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim status", stderr)
	admin := addAdminFlags(fs, "FSSCIM_STATUS_")
	asJSON := fs.Bool("json", "FSSCIM_STATUS_JSON", "print the status as JSON instead of a table")
	domain := fs.String("domain", "FSSCIM_STATUS_DOMAIN", "", "show only this tenant")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim status [--admin-url URL] [--admin-token-file F] [--json] [--domain D]\n\nPrint each tenant's status from a running fsscim's admin listener: whether it serves, its API key,\nits latest request and Freshservice answers, its rate budget, its directory replica and its file.\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	path := "/status"
	if *domain != "" {
		path += "/" + url.PathEscape(strings.ToLower(strings.TrimSpace(*domain)))
	}
	body, code, err := adminGet(ctx, getenv, admin(), path)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim status: %v\n", err)
		return code
	}
	var tenants []status.Tenant
	if *domain != "" {
		var one status.Tenant
		err = json.Unmarshal(body, &one)
		tenants = []status.Tenant{one}
	} else {
		var all struct {
			Tenants []status.Tenant `json:"tenants"`
		}
		err = json.Unmarshal(body, &all)
		tenants = all.Tenants
	}
	if err != nil {
		fmt.Fprintf(stderr, "fsscim status: the admin listener answered no status: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if *domain != "" {
			_ = enc.Encode(tenants[0])
		} else {
			_ = enc.Encode(map[string]any{"tenants": tenants})
		}
		return 0
	}
	writeStatusTable(stdout, tenants, time.Now())
	return 0
}

// adminTarget is how the status and audit commands reach a running fsscim's admin listener: at url,
// else as FSSCIM_ADMIN_LISTEN gives it; over TLS trusting caFile, else exactly the certificate
// FSSCIM_TLS_CERT names; with the admin token in tokenFile.
type adminTarget struct {
	url, tokenFile, caFile string
	timeout                time.Duration
}

// addAdminFlags defines the options that find the admin listener, those of its own named with
// envPrefix (FSSCIM_STATUS_); the function it returns reads them once parsed.
func addAdminFlags(fs *envFlags, envPrefix string) func() adminTarget {
	adminURL := fs.String("admin-url", "FSSCIM_ADMIN_URL", "", "the admin listener's URL (default: FSSCIM_ADMIN_LISTEN on loopback, https when FSSCIM_TLS_CERT is set)")
	tokenFile := fs.String("admin-token-file", "FSSCIM_ADMIN_TOKEN_FILE", "", "file holding the admin token serve was given (mode 0600 or 0440)")
	caFile := fs.String("cacert", envPrefix+"CACERT", "", "PEM file of the certificate authorities (or the certificate itself) to trust for an https admin URL")
	timeout := fs.Duration("timeout", envPrefix+"TIMEOUT", 10*time.Second, "give up after this long")
	return func() adminTarget {
		return adminTarget{url: *adminURL, tokenFile: *tokenFile, caFile: *caFile, timeout: *timeout}
	}
}

// adminGet reads path (with its query) from the admin listener and answers the body of a 200, or the
// exit code with what went wrong: 2 for the command line, 1 for the listener or its answer.
func adminGet(ctx context.Context, getenv func(string) string, a adminTarget, path string) ([]byte, int, error) {
	if a.tokenFile == "" {
		return nil, 2, errors.New("give --admin-token-file (or FSSCIM_ADMIN_TOKEN_FILE): the file serve reads its admin token from")
	}
	token, err := config.ReadAdminTokenFile(a.tokenFile)
	if err != nil {
		return nil, 2, err
	}
	base, tlsCfg, err := adminEndpoint(getenv, strings.TrimSuffix(a.url, "/"), a.caFile, false)
	if err != nil {
		return nil, 2, err
	}
	target := base + path
	code, body, err := getAdmin(ctx, target, tlsCfg, token, 64<<20, a.timeout)
	if err != nil {
		return nil, 1, err
	}
	if code != http.StatusOK {
		var e struct{ Status string }
		_ = json.Unmarshal(body, &e)
		if e.Status == "" {
			e.Status = string(bytes.TrimSpace(body))
		}
		return nil, 1, fmt.Errorf("%s answered %d: %s", target, code, e.Status)
	}
	return body, 0, nil
}

// writeStatusTable prints one line per tenant, then a line for each problem worth reading in full (a
// refused file, Freshservice's latest error).
func writeStatusTable(w io.Writer, tenants []status.Tenant, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tUP\tKEY\tLAST REQUEST\tLAST FS OK\tLAST FS ERROR\tBUDGET LEFT\tREFUSED\tUSERS\tGROUPS\tDIRECTORY\tFILE")
	for _, t := range tenants {
		domain := t.Domain
		if domain == "" {
			domain = "(" + t.File + ")"
		}
		up := "no"
		if t.Up {
			up = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", domain, up, t.Key,
			ago(now, t.LastRequest), ago(now, t.LastUpstreamSuccess), ago(now, t.LastUpstreamError),
			budgetText(t.Budget), t.Budget.Refused, t.Directory.Users, t.Directory.Groups,
			directoryText(t.Directory, now), fileText(t))
	}
	_ = tw.Flush()
	var notes []string
	for _, t := range tenants {
		if t.FileError != "" {
			notes = append(notes, fmt.Sprintf("%s: %s: %s", t.File, t.FileState, t.FileError))
		}
		if t.LastUpstreamReason != "" {
			notes = append(notes, fmt.Sprintf("%s: last Freshservice error %s: %s", t.Domain, ago(now, t.LastUpstreamError), t.LastUpstreamReason))
		}
		if t.Key == status.KeyRejected {
			notes = append(notes, t.Domain+": Freshservice refuses the API key; issue a new token (fsscim token issue) and paste it into the Entra app")
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
}

// ago says how long before now t was; "-" for never.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

func budgetText(b status.Budget) string {
	left, limit := "?", "?"
	if b.Left >= 0 {
		left = strconv.Itoa(b.Left)
	}
	if b.Limit > 0 {
		limit = strconv.Itoa(b.Limit)
	}
	return left + "/" + limit
}

func directoryText(d status.Directory, now time.Time) string {
	switch {
	case !d.Built && d.Users > 0:
		return "building"
	case !d.Built:
		return "not built"
	case d.Stale:
		return "stale, " + ago(now, d.RefreshedAt)
	}
	return "fresh, " + ago(now, d.RefreshedAt)
}

func fileText(t status.Tenant) string {
	s := t.File + " " + string(t.FileState)
	if t.DryRun {
		s += " (dry_run)"
	}
	return s
}
