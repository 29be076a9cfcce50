package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fsscim/fsscim/proxy"
	auditlog "github.com/fsscim/fsscim/store/audit"
)

// cmdAudit reads a tenant's audit trail from a running fsscim's admin listener, which answers only
// with the admin token.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim audit", stderr)
	domain := fs.String("domain", "FSSCIM_AUDIT_DOMAIN", "", "the tenant's Freshservice domain, e.g. acme.freshservice.com")
	user := fs.String("user", "FSSCIM_AUDIT_USER", "", "only entries about this user's email (any case) or this group's name")
	id := fs.Int("id", "FSSCIM_AUDIT_ID", 0, "only entries about this Freshservice user or group id")
	since := fs.String("since", "FSSCIM_AUDIT_SINCE", "", "only entries since this long ago (24h, 7d) or this time (RFC 3339)")
	limit := fs.Int("limit", "FSSCIM_AUDIT_LIMIT", auditlog.DefaultLimit, "at most this many entries, newest first (1 to "+strconv.Itoa(auditlog.MaxLimit)+")")
	asJSON := fs.Bool("json", "FSSCIM_AUDIT_JSON", "print the entries as JSON instead of a table")
	admin := addAdminFlags(fs, "FSSCIM_AUDIT_")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim audit --domain D [--user EMAIL | --id ID] [--since 24h] [--json] [--limit N]\n\nPrint what fsscim wrote to a tenant's Freshservice account (newest first), read from a running\nfsscim's admin listener with the admin token.\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "fsscim audit: "+format+"\n", a...)
		return code
	}
	switch {
	case *domain == "":
		return fail(2, "--domain is missing; give the tenant's Freshservice domain, e.g. --domain acme.freshservice.com")
	case *user != "" && *id != 0:
		return fail(2, "give --user or --id, not both")
	case *id < 0:
		return fail(2, "--id %d is not a Freshservice id", *id)
	case *limit < 1 || *limit > auditlog.MaxLimit:
		return fail(2, "--limit %d: give a number from 1 to %d", *limit, auditlog.MaxLimit)
	}
	q := url.Values{"domain": {*domain}, "limit": {strconv.Itoa(*limit)}}
	if *user != "" {
		q.Set("user", *user)
	}
	if *id != 0 {
		q.Set("id", strconv.Itoa(*id))
	}
	if *since != "" {
		q.Set("since", *since)
	}
	body, code, err := adminGet(ctx, getenv, admin(), "/audit?"+q.Encode())
	if err != nil {
		return fail(code, "%v", err)
	}
	var answer proxy.AuditAnswer
	if err := json.Unmarshal(body, &answer); err != nil {
		return fail(1, "the admin listener's answer does not parse: %v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(answer.Entries); err != nil {
			return fail(1, "%v", err)
		}
		return 0
	}
	writeAuditTable(stdout, answer)
	return 0
}

// writeAuditTable prints one line per entry: time, operation, user or group, fields, status, request
// id, and why a write failed, last since it is the longest.
func writeAuditTable(w io.Writer, a proxy.AuditAnswer) {
	if len(a.Entries) == 0 {
		fmt.Fprintf(w, "no audit entries for %s match\n", a.Domain)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tOPERATION\tUSER/GROUP\tFIELDS\tSTATUS\tREQUEST ID\tERROR")
	for _, e := range a.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format(time.RFC3339), e.Operation, auditSubject(e),
			auditFields(e), auditStatus(e), orDash(e.RequestID), auditError(e))
	}
	_ = tw.Flush()
}

func auditSubject(e auditlog.Entry) string {
	who := func(name string, id int64) string {
		switch {
		case name == "" && id == 0:
			return "-"
		case id == 0:
			return name
		case name == "":
			return "#" + strconv.FormatInt(id, 10)
		}
		return name + " #" + strconv.FormatInt(id, 10)
	}
	if e.Kind != "group" {
		name := e.Email
		if name == "" {
			name = e.Name
		}
		return who(name, e.ID)
	}
	s := "group " + who(strconv.Quote(e.Name), e.ID)
	if e.Name == "" {
		s = "group " + who("", e.ID)
	}
	if e.MemberID != 0 {
		s += " member " + who(e.Email, e.MemberID)
	}
	return s
}

// maxFieldText keeps a table line readable; --json shows every value whole.
const maxFieldText = 40

func auditFields(e auditlog.Entry) string {
	if len(e.Changes) == 0 {
		return "-"
	}
	parts := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		v := c.Value
		if len(v) > maxFieldText {
			v = v[:maxFieldText] + "..."
		}
		parts[i] = c.Field + "=" + v
	}
	return strings.Join(parts, " ")
}

func auditStatus(e auditlog.Entry) string {
	switch {
	case e.DryRun:
		return "dry run"
	case e.Status == 0:
		return "-"
	}
	return strconv.Itoa(e.Status)
}

// auditError is why a write failed, shortened; --json shows it whole.
func auditError(e auditlog.Entry) string {
	if len(e.Error) > 2*maxFieldText {
		return e.Error[:2*maxFieldText] + "..."
	}
	return e.Error
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
