package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy"
)

func cmdCheck(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("fsscim check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("tenants", "", "folder of tenant files (*.yaml)")
	var st config.Settings
	st.RegisterTenantRuleFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim check --tenants DIR\n\nValidate every tenant file under the rules serve applies (give serve's --allowed-domain-suffixes\nand --allow-api-url, or their FSSCIM_* variables), and list every problem found.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "fsscim check: --tenants is required")
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
	set, err := config.LoadDir(*dir, opts)
	if err != nil {
		fmt.Fprint(stderr, proxy.RedactText(fmt.Sprintf("fsscim check: %s has problems:\n%v\n", *dir, err)))
		return 1
	}
	for _, t := range set.All() {
		fmt.Fprint(stdout, proxy.RedactText(fmt.Sprintf("ok  %s  %s (groups: %s, users: %s)\n", t.File, t.Domain, t.Groups.Target, t.Users.Type)))
	}
	fmt.Fprintf(stdout, "%d tenant(s) valid\n", len(set.All()))
	return 0
}
