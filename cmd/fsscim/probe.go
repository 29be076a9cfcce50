package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
)

// maxCredentialsBytes bounds what a credentials file or standard input may hold.
const maxCredentialsBytes = 1 << 20

// readCredentials gathers an API key per tenant domain for check --probe: from the file (or "-" for
// standard input), else from standard input when it is not a terminal, else by asking for each tenant
// without echo. keys opens tokens; it is called only when a token is met. Messages name lines by
// number, never by content.
func readCredentials(path string, stdin io.Reader, stderr io.Writer, set *config.TenantSet, keys func() (*config.Keyring, error)) (map[string]string, error) {
	var data []byte
	var err error
	switch {
	case path != "" && path != "-":
		data, err = config.ReadSecretFile("credentials file", path)
	case path == "-" || !isTerminal(stdin):
		data, err = io.ReadAll(io.LimitReader(stdin, maxCredentialsBytes))
		if err != nil {
			err = fmt.Errorf("read credentials from standard input: %w", err)
		}
	default:
		return promptCredentials(stdin, stderr, set, keys)
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var kr *config.Keyring
	var errs []error
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		domain, apiKey, err := parseCredential(line, &kr, keys)
		if err != nil {
			errs = append(errs, fmt.Errorf("credentials line %d: %w", n+1, err))
			continue
		}
		if _, ok := set.Lookup(domain); !ok {
			errs = append(errs, fmt.Errorf("credentials line %d: no valid tenant file names %s", n+1, domain))
			continue
		}
		out[domain] = apiKey
	}
	return out, errors.Join(errs...)
}

// parseCredential reads one credential: a token, or "<domain> <api key>".
func parseCredential(text string, kr **config.Keyring, keys func() (*config.Keyring, error)) (domain, apiKey string, err error) {
	if strings.HasPrefix(text, "fss1.") {
		if *kr == nil {
			if *kr, err = keys(); err != nil {
				return "", "", fmt.Errorf("a token, and opening it needs the server keys: %w", err)
			}
		}
		claims, err := (*kr).Open(text)
		if err != nil {
			return "", "", fmt.Errorf("a token that does not open with the server keys: %w", err)
		}
		return claims.Domain, claims.APIKey, nil
	}
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return "", "", errors.New(`neither a token (fss1.…) nor "<domain> <api key>"`)
	}
	if domain, err = config.NormaliseDomain(fields[0]); err != nil {
		return "", "", errors.New(`the first word is not a domain; write "<domain> <api key>"`)
	}
	return domain, fields[1], nil
}

// promptCredentials asks for each tenant's key or token on the terminal, without echo.
func promptCredentials(stdin io.Reader, stderr io.Writer, set *config.TenantSet, keys func() (*config.Keyring, error)) (map[string]string, error) {
	f := stdin.(*os.File)
	out := map[string]string{}
	var kr *config.Keyring
	for _, t := range set.All() {
		fmt.Fprintf(stderr, "API key or token for %s (Enter to skip): ", t.Domain)
		raw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, fmt.Errorf("read from the terminal: %w", err)
		}
		text := strings.TrimSpace(string(raw))
		if text == "" {
			continue
		}
		if !strings.HasPrefix(text, "fss1.") {
			text = t.Domain + " " + text
		}
		domain, apiKey, err := parseCredential(text, &kr, keys)
		switch {
		case err != nil:
			return nil, fmt.Errorf("for %s: %w", t.Domain, err)
		case domain != t.Domain:
			return nil, fmt.Errorf("for %s: the token is for %s", t.Domain, domain)
		}
		out[domain] = apiKey
	}
	return out, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// probeTenants checks every tenant with a credential against Freshservice and prints one line per
// check; it reports whether all passed and at least one tenant was probed.
func probeTenants(ctx context.Context, set *config.TenantSet, creds map[string]string, timeout time.Duration, out io.Writer) bool {
	allOK, probed := true, 0
	for _, t := range set.All() {
		apiKey, ok := creds[t.Domain]
		if !ok {
			fmt.Fprintf(out, "skip  %s (%s): no token or API key given\n", t.Domain, fileName(t))
			continue
		}
		probed++
		fmt.Fprintf(out, "probe %s (%s) at %s\n", t.Domain, fileName(t), t.BaseURL())
		pctx, cancel := context.WithTimeout(ctx, timeout)
		for _, r := range probeTenant(pctx, t, apiKey) {
			mark := "ok  "
			if !r.ok {
				mark, allOK = "FAIL", false
			}
			fmt.Fprintf(out, "  %s  %s: %s\n", mark, r.what, r.detail)
		}
		cancel()
	}
	if probed == 0 {
		fmt.Fprintln(out, "nothing probed: no token or API key was given for any tenant")
		return false
	}
	return allOK
}

type probeResult struct {
	ok           bool
	what, detail string
}

// probeTenant asks Freshservice what the tenant file relies on: a working account admin's key,
// readable departments and locations (creatable when create_missing is set), and the custom fields
// its attributes map to.
func probeTenant(ctx context.Context, t *config.Tenant, apiKey string) []probeResult {
	c, err := freshservice.New(freshservice.Options{BaseURL: t.BaseURL(), APIKey: apiKey, Timeout: 15 * time.Second})
	if err != nil {
		return []probeResult{{false, "key", err.Error()}}
	}
	var out []probeResult
	access, err := c.CheckAccess(ctx)
	switch {
	case freshservice.IsUnauthorized(err):
		return []probeResult{{false, "key", "refused by Freshservice (401): wrong key, or a key of another account"}}
	case freshservice.IsNotFound(err):
		return []probeResult{{false, "key", "404 from " + t.BaseURL() + ": check the domain, or api_url"}}
	case err != nil:
		return []probeResult{{false, "key", "could not be checked: " + err.Error()}}
	case !access.AccountAdmin:
		out = append(out, probeResult{false, "key", "works, but its owner " + access.OwnerName() +
			" is not an account admin; fsscim needs one's key to manage agents, groups, departments and locations"})
	default:
		out = append(out, probeResult{true, "key", "works; its owner " + access.OwnerName() + " is an account admin"})
	}

	deps, err := c.ListDepartments(ctx)
	out = append(out, lookupResult("departments", len(deps), err, t.Departments.CreateMissing))
	locs, err := c.ListLocations(ctx)
	out = append(out, lookupResult("locations", len(locs), err, t.Locations.CreateMissing))

	if len(t.Attributes) == 0 {
		return append(out, probeResult{true, "custom fields", "none mapped (attributes is empty)"})
	}
	out = append(out, customFieldResults(ctx, c, t, false)...)
	if t.Users.Type == config.UserTypeAgent {
		out = append(out, customFieldResults(ctx, c, t, true)...)
	}
	return out
}

func lookupResult(kind string, n int, err error, createMissing bool) probeResult {
	if err != nil {
		return probeResult{false, kind, "could not be listed: " + err.Error()}
	}
	policy := "a name Freshservice does not know is refused (" + kind + ".create_missing: false)"
	if createMissing {
		policy = "a name Freshservice does not know is created (" + kind + ".create_missing: true)"
	}
	return probeResult{true, kind, fmt.Sprintf("%d in Freshservice; %s", n, policy)}
}

// customFieldResults checks that each attribute's custom field is among the account's requester (or
// agent) fields.
func customFieldResults(ctx context.Context, c *freshservice.Client, t *config.Tenant, agents bool) []probeResult {
	kind := "requester"
	if agents {
		kind = "agent"
	}
	fields, err := c.ListUserFields(ctx, agents)
	if err != nil {
		return []probeResult{{false, kind + " custom fields", "could not be listed: " + err.Error()}}
	}
	custom := map[string]bool{}
	var names []string
	for _, f := range fields {
		if f.Custom() {
			custom[f.Name] = true
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	attrs := slices.Sorted(maps.Keys(t.Attributes))
	var out []probeResult
	for _, a := range attrs {
		field := t.Attributes[a]
		what := fmt.Sprintf("%s custom field of attributes.%s", kind, a)
		if custom[field] {
			out = append(out, probeResult{true, what, field})
			continue
		}
		have := "it has none"
		if len(names) > 0 {
			have = "its custom fields are " + strings.Join(names, ", ")
		}
		out = append(out, probeResult{false, what, fmt.Sprintf("%s is not a custom %s field in Freshservice; %s", field, kind, have)})
	}
	return out
}

func fileName(t *config.Tenant) string { return filepath.Base(t.File) }
