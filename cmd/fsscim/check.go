package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/fsscim/fsscim/config"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fsscim check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("tenants", "", "folder of tenant files (*.yaml)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim check --tenants DIR\n\nValidate every tenant file and list every problem found.")
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
	set, err := config.LoadDir(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim check: %s has problems:\n%v\n", *dir, err)
		return 1
	}
	for _, t := range set.All() {
		fmt.Fprintf(stdout, "ok  %s  %s (groups: %s, users: %s)\n", t.File, t.Domain, t.Groups.Target, t.Users.Type)
	}
	fmt.Fprintf(stdout, "%d tenant(s) valid\n", len(set.All()))
	return 0
}
