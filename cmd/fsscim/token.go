package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fsscim/fsscim/config"
)

const tokenUsage = `Usage:
  fsscim token new-key
      Print a new random server key (base64, 32 bytes). Put it in FSSCIM_TOKEN_KEYS (comma-separated,
      the first one seals new tokens, all of them open old ones) or in a --token-keys-file.
  fsscim token issue --domain acme.freshservice.com [--token-keys-file F]
      Read the Freshservice API key on standard input and print the bearer token to paste into Entra's
      Secret Token field. The key is never taken from a flag, so it stays out of shell history.
`

func cmdToken(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
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
		return cmdTokenIssue(args[1:], stdin, stdout, stderr, getenv)
	}
	fmt.Fprintf(stderr, "fsscim token: unknown command %q\n\n%s", args[0], tokenUsage)
	return 2
}

func cmdTokenIssue(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("fsscim token issue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	domain := fs.String("domain", "", "the tenant's Freshservice domain, e.g. acme.freshservice.com")
	keysFile := fs.String("token-keys-file", getenv("FSSCIM_TOKEN_KEYS_FILE"), "file of token keys (or set "+config.EnvTokenKeys+")")
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	d := strings.ToLower(strings.TrimSpace(*domain))
	if d == "" {
		fmt.Fprintln(stderr, "fsscim token issue: --domain is required, e.g. --domain acme.freshservice.com")
		return 2
	}
	keys, err := config.KeysFromEnvOrFile(getenv(config.EnvTokenKeys), *keysFile)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim token issue: %v\n", err)
		return 1
	}
	apiKey, err := readSecret(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim token issue: %v\n", err)
		return 1
	}
	tok, err := keys.Seal(d, apiKey, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "fsscim token issue: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

// readSecret reads one line from stdin, surrounding white space trimmed.
func readSecret(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the API key from standard input: %w", err)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", errors.New("no API key on standard input; pipe it in, e.g. printf %s \"$FS_API_KEY\" | fsscim token issue --domain …")
	}
	return key, nil
}
