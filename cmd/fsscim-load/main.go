// Command fsscim-load replays the requests Microsoft Entra ID's provisioning service sends (Test
// Connection, an initial sync, an incremental cycle, disables, group assignment) against fsscim, and
// reports how fast fsscim answers, what each SCIM request costs in Freshservice calls, how long a first
// sync takes on each Freshservice plan, and how much memory fsscim needs.
//
// By default it runs fsscim and an emulated Freshservice account in its own process; with --target it
// drives a running fsscim instead.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `fsscim-load: replay Entra's provisioning traffic against fsscim and report what it costs.

Usage:
  fsscim-load [run] [options]             embedded fsscim and Freshservice emulator (default), or --target
  fsscim-load calls [options]             Freshservice calls of each of Entra's request sequences
  fsscim-load cpu [options]               CPU time per SCIM request in an initial sync and an incremental cycle
  fsscim-load parallel-reads [options]    reads in flight with upstream latency: fsscim vs direct throughput,
                                          upstream connections opened
  fsscim-load idle-tenants [--tenants N]  memory of a process with N tenants, before and after touching each
  fsscim-load index-memory [--users N]    memory of a tenant's directory index

Every command prints its figures as text, or as JSON with --json - (or --json FILE, with the text).
Run "fsscim-load COMMAND --help" for the options.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is the whole program, its environment passed in so that tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return cmdRun(ctx, args, stdout, stderr, getenv)
	case "index-memory":
		return cmdIndexMemory(ctx, args, stdout, stderr)
	case "idle-tenants":
		return cmdIdleTenants(ctx, args, stdout, stderr)
	case "calls":
		return cmdCalls(ctx, args, stdout, stderr)
	case "cpu":
		return cmdCPU(ctx, args, stdout, stderr)
	case "parallel-reads":
		return cmdParallelReads(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "fsscim-load: unknown command %q\n\n%s", cmd, usage)
	return 2
}
