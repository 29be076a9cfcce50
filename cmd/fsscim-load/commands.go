package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// runOptions are the flags of the run command.
type runOptions struct {
	wl          workload
	plan        string
	timeMode    string
	plans       string
	planUsers   int
	memory      bool
	indexUsers  int
	idleCount   int
	targetURL   string
	tokenFile   string
	allowWrites bool
	dataDir     string
	jsonOut     string
	logFile     string
	progress    string
	cpuProfile  string
}

// defaultDepartments are seeded in the emulated account and given to the users in turn.
var defaultDepartments = []string{"Sales", "Engineering", "Finance", "Support", "Marketing", "People", "Legal", "Operations"}

func runFlags(o *runOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("run", "Replay Entra's provisioning traffic against an embedded fsscim and Freshservice emulator, or --target.", stderr)
	fs.IntVar(&o.wl.users, "users", 10000, "users in the directory Entra provisions")
	// Entra does not document how many requests one provisioning job sends at once; 8 keeps well
	// above the 25 requests a second Microsoft asks gallery endpoints to sustain.
	fs.IntVar(&o.wl.concurrency, "concurrency", 8, "requests in flight at once, like the parallel workers of one Entra provisioning job")
	fs.StringVar(&o.wl.dialect, "dialect", dialectBoth, "Entra PATCH dialect: legacy (default Entra), flag (aadOptscim062020) or both (half the users each)")
	fs.Float64Var(&o.wl.changed, "changed", 0.2, "share of users changed in the incremental cycle (read + PATCH)")
	fs.Float64Var(&o.wl.disabled, "disabled", 0.05, "share of users disabled (read + PATCH active false)")
	fs.IntVar(&o.wl.groups, "groups", 20, "groups assigned (lookup + create + member batches)")
	fs.IntVar(&o.wl.groupSize, "group-size", 50, "members per group")
	// Entra does not document its batch size for member adds; the gallery checklist only asks that
	// several members can be added in one PATCH.
	fs.IntVar(&o.wl.memberBatch, "member-batch", 10, "members added per group PATCH")
	fs.StringVar(&o.plan, "plan", "none", "Freshservice plan whose per-minute limits the emulator enforces in the main run: none, "+planNames())
	fs.StringVar(&o.timeMode, "time", "simulated", "with a --plan: simulated (a virtual clock jumps over rate-limit waits) or real (waits for real)")
	fs.StringVar(&o.plans, "plans", "all", "plans to simulate an initial sync of --plan-users under (comma-separated, all, or empty for none)")
	fs.IntVar(&o.planUsers, "plan-users", 0, "users in each simulated initial sync (default: --users)")
	fs.BoolVar(&o.memory, "memory", true, "also measure the directory index and idle tenants (each in a fresh child process)")
	fs.IntVar(&o.indexUsers, "index-users", 10000, "users in the directory index weighed by --memory")
	fs.IntVar(&o.idleCount, "idle-tenants", 1000, "tenants in the idle-tenant measurement of --memory")
	fs.StringVar(&o.targetURL, "target", "", "Tenant URL of a running fsscim (e.g. https://fsscim.example.com/scim/v2) instead of the embedded one")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the bearer token for --target (or set FSSCIM_LOAD_TOKEN)")
	fs.BoolVar(&o.allowWrites, "allow-writes", false, "with --target: confirm that the run may create, change and disable users and create groups in that Freshservice account")
	fs.StringVar(&o.dataDir, "data-dir", "", "data folder of the embedded fsscim (default: a temporary folder)")
	fs.StringVar(&o.jsonOut, "json", "", "write the JSON summary to this file (- for standard output instead of the text summary)")
	fs.StringVar(&o.logFile, "log", "", "write the embedded fsscim's log to this file (default: encoded and discarded)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the main run (fsscim, emulator and client together) to this file")
	fs.StringVar(&o.progress, "progress", "auto", "progress line on standard error: auto (when it is a terminal), always, never")
	return fs
}

func (o *runOptions) validate() error {
	var problems []string
	if o.wl.users < 1 {
		problems = append(problems, "--users must be at least 1")
	}
	if o.wl.concurrency < 1 {
		problems = append(problems, "--concurrency must be at least 1")
	}
	switch o.wl.dialect {
	case dialectLegacy, dialectFlag, dialectBoth:
	default:
		problems = append(problems, fmt.Sprintf("--dialect %q: use legacy, flag or both", o.wl.dialect))
	}
	if o.wl.changed < 0 || o.wl.changed > 1 || o.wl.disabled < 0 || o.wl.disabled > 1 {
		problems = append(problems, "--changed and --disabled are shares between 0 and 1")
	}
	if o.wl.groups < 0 || o.wl.groupSize < 0 || o.wl.memberBatch < 1 {
		problems = append(problems, "--groups and --group-size must not be negative, --member-batch at least 1")
	}
	if o.timeMode != "simulated" && o.timeMode != "real" {
		problems = append(problems, fmt.Sprintf("--time %q: use simulated or real", o.timeMode))
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		problems = append(problems, fmt.Sprintf("--progress %q: use auto, always or never", o.progress))
	}
	if o.targetURL != "" && !o.allowWrites {
		problems = append(problems, "--target writes to a real Freshservice account (creates users, changes and disables them, creates groups); add --allow-writes to confirm")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var o runOptions
	fs := runFlags(&o, stderr)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fsscim-load run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(stderr, "fsscim-load run: %v\n", err)
		return 2
	}
	var progress io.Writer
	if o.progress == "always" || (o.progress == "auto" && isTerminal(os.Stderr)) {
		progress = stderr
	}
	rep, err := execute(ctx, o, "fsscim-load "+strings.Join(append([]string{"run"}, args...), " "), progress, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim-load: %v\n", err)
		return 1
	}
	raw, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "fsscim-load: encode the summary: %v\n", err)
		return 1
	}
	switch o.jsonOut {
	case "-":
		fmt.Fprintln(stdout, string(raw))
	case "":
		rep.writeText(stdout)
	default:
		if err := os.WriteFile(o.jsonOut, append(raw, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "fsscim-load: write %s: %v\n", o.jsonOut, err)
			return 1
		}
		rep.writeText(stdout)
	}
	if rep.Failures > 0 {
		return 1
	}
	return 0
}

func cmdIndexMemory(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("index-memory", "", stderr)
	users := fs.Int("users", 10000, "users in the directory")
	return measuringCommand{fs: fs, jsonOut: jsonFlag(fs),
		broken: func() bool { return *users < 1 },
		rule:   "--users must be at least 1",
		measure: func() (figures, error) {
			return measureIndexMemory(ctx, *users)
		},
	}.run(args, stdout, stderr)
}

func cmdIdleTenants(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("idle-tenants", "", stderr)
	tenants := fs.Int("tenants", 1000, "tenant files, each touched once with Test Connection")
	concurrency := fs.Int("concurrency", 8, "Test Connections in flight at once")
	heapProfile := fs.String("heapprofile", "", "write a heap profile of the idle process, its tenants still served, to this file")
	return measuringCommand{fs: fs, jsonOut: jsonFlag(fs),
		broken: func() bool { return *tenants < 1 || *concurrency < 1 },
		rule:   "--tenants and --concurrency must be at least 1",
		measure: func() (figures, error) {
			return measureIdleTenants(ctx, *tenants, *concurrency, time.Second, *heapProfile)
		},
	}.run(args, stdout, stderr)
}

// figures is what a measuring command prints.
type figures interface {
	writeText(w io.Writer)
}

// failureCounter is implemented by figures that count requests which did not get the answer
// expected: any makes the exit code 1.
type failureCounter interface {
	failedRequests() int
}

// measuringCommand is what sets one measuring command apart once its flags are declared; run takes
// every such command the same way: arguments parsed, checked, measured, figures emitted.
type measuringCommand struct {
	fs      *flag.FlagSet
	jsonOut *string
	// broken reports parsed flags out of their bounds; rule says what the bounds are.
	broken  func() bool
	rule    string
	measure func() (figures, error)
}

func (c measuringCommand) run(args []string, stdout, stderr io.Writer) int {
	if code, done := parseFlags(c.fs, args); done {
		return code
	}
	if c.broken() {
		fmt.Fprintf(stderr, "%s: %s\n", c.fs.Name(), c.rule)
		return 2
	}
	res, err := c.measure()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", c.fs.Name(), err)
		return 1
	}
	if code := emit(stdout, stderr, *c.jsonOut, res, res.writeText); code != 0 {
		return code
	}
	if fc, ok := res.(failureCounter); ok && fc.failedRequests() > 0 {
		return 1
	}
	return 0
}

// newFlags is the flag set of the command name, its errors on stderr; a summary, when given, makes
// the usage text: the summary, then the options.
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fsscim-load "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if summary != "" {
		fs.Usage = func() {
			fmt.Fprintf(stderr, "Usage: fsscim-load %s [options]\n\n%s\n\nOptions:\n", name, summary)
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses a command's arguments; done says the command ends at once with code: 0 after
// --help, 2 for a flag it does not take (the flag package has said why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	return 2, true
}

// writeFailures ends a text report with the sampled failures and how many there were (what says of
// what).
func writeFailures(w io.Writer, samples []string, failures int, what string) {
	for _, s := range samples {
		fmt.Fprintf(w, "failure: %s\n", s)
	}
	if failures > 0 {
		fmt.Fprintf(w, "%d %s\n", failures, what)
	}
}

// jsonFlag registers --json with the meaning it has in every command.
func jsonFlag(fs *flag.FlagSet) *string {
	return fs.String("json", "", "write the figures as JSON to this file (- for standard output instead of the text)")
}

// emit prints v as text, or as JSON on standard output (jsonOut "-"), or both: JSON to the file
// jsonOut and text on standard output.
func emit(stdout, stderr io.Writer, jsonOut string, v any, text func(io.Writer)) int {
	if jsonOut == "" {
		text(stdout)
		return 0
	}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "fsscim-load: encode: %v\n", err)
		return 1
	}
	if jsonOut == "-" {
		fmt.Fprintln(stdout, string(raw))
		return 0
	}
	if err := os.WriteFile(jsonOut, append(raw, '\n'), 0o644); err != nil {
		fmt.Fprintf(stderr, "fsscim-load: write %s: %v\n", jsonOut, err)
		return 1
	}
	text(stdout)
	return 0
}
