package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

// suiteAudit gathers the log output of every fsscim server this package's tests start, and every
// API key and token the tests hand them; when all tests have run, no secret may appear in any log.
// Checking the whole suite at once also catches a secret of one test leaking into another's log.
type suiteAudit struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	secrets map[string]string // value → what it is
}

var audit = &suiteAudit{secrets: map[string]string{}}

// logs returns a writer for a server's log that also feeds the audit.
func (a *suiteAudit) tee(w io.Writer) io.Writer {
	if w == nil {
		w = io.Discard
	}
	return io.MultiWriter(w, auditWriter{a})
}

type auditWriter struct{ a *suiteAudit }

func (w auditWriter) Write(p []byte) (int, error) {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	return w.a.logs.Write(p)
}

// secret registers a value that must never be logged.
func (a *suiteAudit) secret(what, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secrets[value] = what
}

func (a *suiteAudit) check() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.logs.Len() == 0 || len(a.secrets) == 0 {
		// Every full run starts servers with secrets; a filtered run (-run) may start none.
		return nil
	}
	var leaks []string
	logs := a.logs.String()
	for value, what := range a.secrets {
		if strings.Contains(logs, value) {
			leaks = append(leaks, what)
		}
	}
	if len(leaks) > 0 {
		return fmt.Errorf("secrets found in the logs of the servers this suite started: %s", strings.Join(leaks, ", "))
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := audit.check(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		code = 1
	}
	os.Exit(code)
}
