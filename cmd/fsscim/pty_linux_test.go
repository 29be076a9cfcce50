//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// openTerminal opens a pseudo-terminal: what a program reads from the second file comes from a
// terminal, and what the terminal echoes appears on the first.
func openTerminal(t *testing.T) (control, term *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { control.Close() })
	if err := unix.IoctlSetPointerInt(int(control.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(control.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return control, term
}

// TestTokenIssueDoesNotEchoTheKey types the API key at a terminal, as an operator would: the
// terminal must not show it (echo is off while it is read), and the token printed seals it.
func TestTokenIssueDoesNotEchoTheKey(t *testing.T) {
	control, term := openTerminal(t)
	key, keys := proxytest.NewKeys(t)
	const apiKey = "typed-at-a-terminal-4e1b"
	audit.secret("a key typed at a terminal", apiKey)

	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"token", "issue", "--domain", "acme.freshservice.com", "--tenants", tenantsDir(t, "acme.freshservice.com")},
			term, &out, &errOut, env(map[string]string{config.EnvTokenKeys: key}))
	}()
	// Type only once fsscim has turned echo off, as a person reads the prompt before typing.
	deadline := time.Now().Add(20 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(term.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("echo was never turned off while the key was read")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := control.WriteString(apiKey + "\n"); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	// Whatever the terminal showed is on the control side by now (it echoes as input arrives): read
	// it without waiting for more.
	fd := int(control.Fd())
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	var shown bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			break
		}
		shown.Write(buf[:n])
	}
	if strings.Contains(shown.String(), apiKey) {
		t.Fatalf("the terminal showed the API key: %q", shown.String())
	}
	if !strings.Contains(errOut.String(), "Freshservice API key for acme.freshservice.com: ") {
		t.Errorf("no prompt on standard error: %q", errOut.String())
	}
	claims, err := keys.Open(strings.TrimSpace(out.String()))
	if err != nil || claims.APIKey != apiKey {
		t.Fatalf("the token does not seal the typed key: %v", err)
	}
}
