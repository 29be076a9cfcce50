package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy"
)

const checkUsage = `Usage: fsscim check [--tenants DIR] [--probe [--credentials FILE]]

Validate every tenant file in DIR under the rules serve applies (give serve's --allowed-domain-suffixes
and --allow-api-url, or their FSSCIM_* variables), and list every problem found, with the file and
line to fix. What the report quotes from the files is redacted like log lines.
Settings that change what fsscim does to Freshservice (dry_run, api_url, on_delete: forget) are
pointed out. Exit 1 when a file has a problem or the folder holds no tenant file.

--probe also asks Freshservice, for each tenant it has a credential for, whether the API key works and
belongs to an account admin, and whether the departments, locations and custom fields the tenant file
relies on are there. Credentials are never taken from a flag: one per line, either a bearer token as
issued (opened with the server keys, FSSCIM_TOKEN_KEYS or --token-keys-file) or "<domain> <api key>",
from --credentials FILE (mode 0600 or 0440, "-" for standard input), from standard input when it is
not a terminal, or typed without echo at a prompt per tenant.

Options:
`

func cmdCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim check", stderr)
	dir := fs.String("tenants", "FSSCIM_TENANTS", "", "folder of tenant files (*.yaml, *.yml)")
	probe := fs.Bool("probe", "FSSCIM_CHECK_PROBE", "also check each tenant's key, departments, locations and custom fields against Freshservice")
	credentials := fs.String("credentials", "FSSCIM_CHECK_CREDENTIALS", "", "with --probe: file of tokens or \"<domain> <api key>\" lines; - for standard input")
	keysFile := fs.String("token-keys-file", "FSSCIM_TOKEN_KEYS_FILE", "", "with --probe: file of the server keys that open tokens (or set "+config.EnvTokenKeys+")")
	timeout := fs.Duration("timeout", "FSSCIM_CHECK_TIMEOUT", 30*time.Second, "with --probe: time allowed for each tenant's calls to Freshservice")
	var st config.Settings
	st.RegisterTenantRuleFlags(fs.FlagSet)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage); fs.PrintDefaults() }
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "fsscim check: --tenants is required (or FSSCIM_TENANTS)")
		return 2
	}
	if err := st.ApplyEnv(getenv); err != nil {
		fmt.Fprintf(stderr, "fsscim check: %v\n", err)
		return 2
	}
	opts, err := st.LoadOptions()
	if err != nil {
		fmt.Fprintf(stderr, "fsscim check: --allowed-domain-suffixes: %v\n", err)
		return 2
	}
	// A value pasted into the wrong key is quoted in the report: it goes through the same redaction
	// as log lines, so a token or credential pasted there is not printed again.
	set, problems := config.LoadDir(*dir, opts)
	if set == nil {
		fmt.Fprint(stderr, proxy.RedactText(fmt.Sprintf("fsscim check: %v\n", problems)))
		return 1
	}
	code := 0
	for _, t := range set.All() {
		fmt.Fprint(stdout, proxy.RedactText(fmt.Sprintf("ok    %s  %s (users: %s, groups: %s)\n", fileName(t), t.Domain, t.Users.Type, t.Groups.Target)))
		for _, note := range notable(t) {
			fmt.Fprint(stdout, proxy.RedactText(fmt.Sprintf("      ! %s\n", note)))
		}
	}
	if problems != nil {
		fmt.Fprint(stderr, proxy.RedactText(fmt.Sprintf("fsscim check: %s has problems:\n%v\n", *dir, problems)))
		code = 1
	}
	switch n := set.Len(); {
	case n == 0 && problems == nil:
		fmt.Fprintf(stderr, "fsscim check: no tenant file (*.yaml, *.yml) in %s; fsscim serve would serve no tenant and report not ready\n", *dir)
		return 1
	case problems == nil:
		fmt.Fprintf(stdout, "%d tenant(s) valid\n", n)
	default:
		fmt.Fprintf(stdout, "%d tenant(s) valid; the files above with problems are not served as written\n", n)
	}
	if !*probe {
		return code
	}
	creds, err := readCredentials(*credentials, stdin, stderr, set, func() (*config.Keyring, error) {
		return config.KeysFromEnvOrFile(getenv(config.EnvTokenKeys), *keysFile)
	})
	if err != nil {
		fmt.Fprintf(stderr, "fsscim check: %v\n", err)
		return 1
	}
	if !probeTenants(ctx, set, creds, *timeout, stdout) {
		code = 1
	}
	return code
}

// notable names settings that change what fsscim does to Freshservice, so that they are not left on
// by mistake.
func notable(t *config.Tenant) []string {
	var out []string
	if t.DryRun {
		out = append(out, "dry_run: true: writes are logged and not made, yet Entra is told they succeeded; remove it before going live")
	}
	if t.APIURL != "" {
		out = append(out, fmt.Sprintf("api_url: %s: Freshservice calls go there instead of https://%s/api/v2", t.APIURL, t.Domain))
	}
	if t.Users.OnDelete == config.OnDeleteForget {
		out = append(out, "users.on_delete: forget: a user deleted in Entra is deleted from Freshservice for good, with the tickets they requested (deactivate keeps them)")
	}
	return out
}
