package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// runCmd runs fsscim with args, stdin and environment, and returns the exit code and both outputs.
func runCmd(t *testing.T, stdin string, envm map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, audit.tee(&errOut), env(envm))
	return code, out.String(), errOut.String()
}

// wantSays fails t for each of wants that text, the output named by what, does not contain.
func wantSays(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not say %q:\n%s", what, want, text)
		}
	}
}

// TestEveryFlagHasAnEnvironmentVariable reads each command's --help: every option names the
// FSSCIM_* variable that sets it too.
func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	flagHead := regexp.MustCompile(`^  -([a-z-]+)`)
	for _, cmd := range [][]string{{"serve"}, {"demo"}, {"token", "issue"}, {"enroll"}, {"check"}, {"health"}, {"status"}, {"audit"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, "", nil, append(cmd, "--help")...)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			help := out + errOut
			// Each option is a line "  -name ..." followed by its indented description.
			blocks := map[string]string{}
			var current string
			for _, line := range strings.Split(help, "\n") {
				if m := flagHead.FindStringSubmatch(line); m != nil {
					current = m[1]
					blocks[current] = line
					continue
				}
				if current != "" && strings.HasPrefix(line, "    ") {
					blocks[current] += line
				}
			}
			if len(blocks) == 0 {
				t.Fatalf("no options in --help:\n%s", help)
			}
			for name, block := range blocks {
				if !regexp.MustCompile(`\(env FSSCIM_[A-Z_]+`).MatchString(block) {
					t.Errorf("--%s names no environment variable: %q", name, block)
				}
			}
		})
	}
}

// TestVariablesSetOptions: a variable sets its option, the command line wins over it, and a value
// that does not parse is refused naming the variable.
func TestVariablesSetOptions(t *testing.T) {
	ready := httptestServer(t, 200)
	notReady := httptestServer(t, 503)
	if code, _, errOut := runCmd(t, "", map[string]string{"FSSCIM_HEALTH_URL": ready + "/readyz"}, "health"); code != 0 {
		t.Fatalf("FSSCIM_HEALTH_URL: exit %d: %s", code, errOut)
	}
	if code, _, _ := runCmd(t, "", map[string]string{"FSSCIM_HEALTH_URL": ready + "/readyz"}, "health", "--url", notReady+"/readyz"); code != 1 {
		t.Fatalf("--url did not win over FSSCIM_HEALTH_URL: exit %d", code)
	}
	code, _, errOut := runCmd(t, "", map[string]string{"FSSCIM_HEALTH_TIMEOUT": "soon"}, "health")
	if code != 2 || !strings.Contains(errOut, `FSSCIM_HEALTH_TIMEOUT="soon" is not a valid value for --timeout`) {
		t.Fatalf("a bad variable: exit %d, %q", code, errOut)
	}
}

// TestServeRefusesVariablesThatDoNotParse: serve's own settings follow the same rule as the other
// commands' options: a variable that does not parse stops the start, named with its value, before
// anything listens.
func TestServeRefusesVariablesThatDoNotParse(t *testing.T) {
	code, _, errOut := runCmd(t, "", map[string]string{"FSSCIM_INSECURE_HTTP": "yes please", "FSSCIM_MAX_CONNECTIONS": "lots",
		"FSSCIM_TENANTS": t.TempDir(), "FSSCIM_LISTEN": "127.0.0.1:0", "FSSCIM_ADMIN_LISTEN": "127.0.0.1:0"}, "serve")
	if code != 2 {
		t.Errorf("exit %d, want 2:\n%s", code, errOut)
	}
	wantSays(t, "serve", errOut, `FSSCIM_INSECURE_HTTP="yes please" is not true or false`, `FSSCIM_MAX_CONNECTIONS="lots" is not a whole number`)
}
