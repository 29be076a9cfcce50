package web

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsscim/fsscim/store/audit"
)

// BenchmarkTenantPage renders the signed-in tenant page, audit trail included, with 10,000 entries
// in the trail kept in bbolt as serve keeps it. go test -bench TenantPage ./proxy/web/ reports the
// time a page takes.
func BenchmarkTenantPage(b *testing.B) {
	log, err := audit.OpenBolt(filepath.Join(b.TempDir(), audit.DefaultFileName), audit.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = log.Close() })
	fillAudit(b, log, 10000)
	s := newTestServer(b, log)
	h := s.App()
	cookies := signedIn(b, h)
	for _, target := range []string{"/app", "/app?user=user42@acme.example", "/app?page=3"} {
		b.Run(target, func(b *testing.B) {
			for b.Loop() {
				if rec := get(b, h, target, cookies); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

func fillAudit(tb testing.TB, log audit.Log, n int) {
	tb.Helper()
	start := time.Now().Add(-24 * time.Hour)
	entries := make([]audit.Entry, 0, n)
	for i := range n {
		e := audit.Entry{At: start.Add(time.Duration(i) * time.Second), Tenant: sampleTenant.Domain, Operation: audit.Update,
			Method: "PATCH", Path: fmt.Sprintf("/scim/v2/Users/%d", 21000000000+i%500), Kind: "user", ID: int64(21000000000 + i%500),
			Email: fmt.Sprintf("user%d@acme.example", i%500), Changes: []audit.Change{{Field: "job_title", Value: "Engineer"}}, Status: 200}
		entries = append(entries, e)
	}
	// One write: appending 10,000 entries one by one would commit (and sync) the file 10,000 times.
	if err := audit.AppendAll(context.Background(), log, entries); err != nil {
		tb.Fatal(err)
	}
}
