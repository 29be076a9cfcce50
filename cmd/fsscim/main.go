// Command fsscim is a SCIM 2.0 server for Microsoft Entra ID provisioning that manages users and groups
// in Freshservice.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `fsscim: SCIM 2.0 for Microsoft Entra ID provisioning into Freshservice.

Usage:
  fsscim serve --tenants DIR [--listen ADDR] [--admin-listen ADDR] [--data-dir DIR] [--tls-cert F --tls-key F]
  fsscim demo [--listen ADDR]          run against a built-in Freshservice emulator
  fsscim token new-key                 print a new server token key
  fsscim token issue --domain D --tenants DIR [--verify]
                                       read an API key on stdin, print a bearer token
  fsscim enroll --domain D --tenants DIR --url URL [--ttl 72h]
                                       print a one-time enrollment link for the customer's admin
  fsscim check --tenants DIR [--probe] validate tenant files (and check them against Freshservice)
  fsscim status [--admin-url URL] [--admin-token-file F] [--json] [--domain D]
                                       print each tenant's status from a running fsscim
  fsscim health [--url URL]            probe a running fsscim's readiness (container health checks)
  fsscim audit --domain D [--user EMAIL | --id ID] [--since 24h] [--json]
                                       print what fsscim wrote to a tenant's Freshservice account
  fsscim version                       print the version, commit and Go version

Every option can also be set by the environment variable named in the command's --help.
Run "fsscim <command> --help" for a command's options.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is the whole program, with its environment passed in so that tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr, getenv)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr, getenv)
	case "token":
		return cmdToken(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "enroll":
		return cmdEnroll(ctx, args[1:], stdout, stderr, getenv)
	case "check":
		return cmdCheck(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "status":
		return cmdStatus(ctx, args[1:], stdout, stderr, getenv)
	case "health":
		return cmdHealth(ctx, args[1:], stdout, stderr, getenv)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version":
		currentBuild().write(stdout)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "fsscim: unknown command %q\n\n%s", args[0], usage)
	return 2
}
