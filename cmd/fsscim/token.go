package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/provision"
)

const tokenUsage = `Usage:
  fsscim token new-key
      Print a new random server key (base64, 32 bytes). Put it in FSSCIM_TOKEN_KEYS (separated by
      commas or newlines, the first one seals new tokens, all of them open old ones) or in a
      --token-keys-file. It also makes a good admin token.
  fsscim token issue --domain acme.freshservice.com --tenants DIR [--verify] [--token-keys-file F]
      Read the Freshservice API key on standard input (typed without echo on a terminal) and print
      the bearer token to paste into Entra's Secret Token field. The key is never taken from a flag, so
      it stays out of shell history. The domain must have a tenant file in DIR; --verify first asks
      Freshservice whether the key works and belongs to an account admin.
`

// verifyTimeout bounds token issue --verify's calls to Freshservice.
const verifyTimeout = 30 * time.Second

func cmdToken(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, tokenUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "new-key":
		key, err := config.NewKey()
		if err != nil {
			fmt.Fprintf(stderr, "fsscim token new-key: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, key)
		return 0
	case "issue":
		return cmdTokenIssue(ctx, args[1:], stdin, stdout, stderr, getenv)
	}
	fmt.Fprintf(stderr, "fsscim token: unknown command %q\n\n%s", args[0], tokenUsage)
	return 2
}

func cmdTokenIssue(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim token issue", stderr)
	ta := addTenantArgs(fs)
	verify := fs.Bool("verify", "FSSCIM_TOKEN_VERIFY", "check with Freshservice that the key works and belongs to an account admin before printing the token")
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage+"\nOptions of issue:\n"); fs.PrintDefaults() }
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "fsscim token issue: "+format+"\n", a...)
		return code
	}
	now := time.Now()
	tenant, keys, code, err := ta.load(getenv, now)
	if err != nil {
		return fail(code, "%v", err)
	}
	apiKey, err := readSecret(stdin, stderr, "Freshservice API key for "+tenant.Domain+": ")
	if err != nil {
		return fail(1, "%v", err)
	}
	if *verify {
		msg, err := verifyKey(ctx, tenant, apiKey)
		if err != nil {
			return fail(1, "%v; no token printed", err)
		}
		fmt.Fprintf(stderr, "fsscim token issue: %s\n", msg)
	}
	tok, err := keys.Seal(tenant.Domain, apiKey, now)
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

// tenantArgs are the options of the commands that seal something for one tenant (token issue,
// enroll): its domain, the folder holding its tenant file, and the token keys.
type tenantArgs struct {
	domain, tenantsDir, keysFile *string
	// The tenant file is judged by serve's rules, so that only a tenant serve would load gets a
	// token or a link.
	st config.Settings
}

func addTenantArgs(fs *envFlags) *tenantArgs {
	ta := &tenantArgs{
		domain:     fs.String("domain", "FSSCIM_DOMAIN", "", "the tenant's Freshservice domain, e.g. acme.freshservice.com"),
		tenantsDir: fs.String("tenants", "FSSCIM_TENANTS", "", "folder of tenant files; the domain must have one"),
		keysFile:   fs.String("token-keys-file", "FSSCIM_TOKEN_KEYS_FILE", "", "file of token keys (or set "+config.EnvTokenKeys+")"),
	}
	ta.st.RegisterTenantRuleFlags(fs.FlagSet)
	return ta
}

// load finds the domain's tenant file and the token keys; on failure it returns the exit code (2 for
// a usage error) and what to tell.
func (ta *tenantArgs) load(getenv func(string) string, now time.Time) (*config.Tenant, *config.Keyring, int, error) {
	if strings.TrimSpace(*ta.domain) == "" {
		return nil, nil, 2, errors.New("--domain is required, e.g. --domain acme.freshservice.com")
	}
	d, err := config.NormaliseDomain(*ta.domain)
	if err != nil {
		return nil, nil, 2, fmt.Errorf("--domain: %w", err)
	}
	if *ta.tenantsDir == "" {
		return nil, nil, 2, errors.New("--tenants is required (or FSSCIM_TENANTS): fsscim refuses a token whose domain has no tenant file")
	}
	if err := ta.st.ApplyEnv(getenv); err != nil {
		return nil, nil, 2, err
	}
	opts, err := ta.st.LoadOptions()
	if err != nil {
		return nil, nil, 2, fmt.Errorf("--allowed-domain-suffixes: %w", err)
	}
	tenant, err := tenantFor(*ta.tenantsDir, d, opts)
	if err != nil {
		// The folder's problems quote the files: redacted as check redacts them.
		return nil, nil, 1, errors.New(proxy.RedactText(err.Error()))
	}
	if !tenant.TokenAllowed(now) {
		return nil, nil, 1, fmt.Errorf("tokens_not_before in %s is %s, later than now: fsscim would refuse this token; correct it first",
			tenant.File, tenant.TokensNotBefore.UTC().Format(time.RFC3339))
	}
	keys, err := config.KeysFromEnvOrFile(getenv(config.EnvTokenKeys), *ta.keysFile)
	if err != nil {
		return nil, nil, 1, err
	}
	return tenant, keys, 0, nil
}

// tenantFor finds the tenant file of a domain, or says how to make one.
func tenantFor(dir, domain string, opts config.LoadOptions) (*config.Tenant, error) {
	set, problems := config.LoadDir(dir, opts)
	if set == nil {
		return nil, problems
	}
	if t, ok := set.Lookup(domain); ok {
		return t, nil
	}
	msg := fmt.Sprintf("no tenant file in %s names %s, so fsscim would refuse its token; write one first "+
		"(e.g. %s with domain: %s) and check it with fsscim check --tenants %s",
		dir, domain, strings.SplitN(domain, ".", 2)[0]+".yaml", domain, dir)
	if problems != nil {
		msg += "\nthe folder has problems, perhaps in that file:\n" + problems.Error()
	}
	return nil, errors.New(msg)
}

// verifyKey asks Freshservice, at the tenant's API address, whether the key works and whether its
// owner is an account admin (fsscim manages agents and groups, which needs one).
func verifyKey(ctx context.Context, t *config.Tenant, apiKey string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	access, err := provision.CheckKey(ctx, t, apiKey, nil)
	switch {
	case freshservice.IsUnauthorized(err):
		return "", fmt.Errorf("the API key is refused by Freshservice at %s (401): check the key, and that it belongs to %s", t.BaseURL(), t.Domain)
	case freshservice.IsNotFound(err):
		return "", fmt.Errorf("%s answers 404: check the domain, or api_url in %s", t.BaseURL(), t.File)
	case err != nil:
		return "", fmt.Errorf("could not check the key with Freshservice: %w", err)
	case !access.AccountAdmin:
		return "", fmt.Errorf("the key works, but its owner %s is not an account admin; fsscim needs an account admin's key to manage agents and groups",
			access.OwnerName())
	}
	return fmt.Sprintf("Freshservice accepts the key; its owner %s is an account admin", access.OwnerName()), nil
}

// readSecret reads one line from stdin, surrounding white space trimmed. On a terminal it prompts
// on stderr and reads without echo, so the key never shows on the screen or in a recording of it.
func readSecret(stdin io.Reader, stderr io.Writer, prompt string) (string, error) {
	var line string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, prompt)
		raw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read the API key from the terminal: %w", err)
		}
		line = string(raw)
	} else {
		var err error
		line, err = bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the API key from standard input: %w", err)
		}
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", errors.New("no API key on standard input; pipe it in, e.g. printf %s \"$FS_API_KEY\" | fsscim token issue --domain …")
	}
	return key, nil
}
