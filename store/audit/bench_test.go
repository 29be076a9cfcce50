package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"

	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/redistest"
)

// BenchmarkFindByUser searches a tenant's trail of 10,000 entries (200 users, 50 entries each) for one
// user, as the status page does; it must answer well inside the page's 50 ms.
func BenchmarkFindByUser(b *testing.B) {
	for _, impl := range []string{"bolt", "redis"} {
		b.Run(impl, func(b *testing.B) {
			clk := freshservicetest.NewClock(time.Now().Add(-24 * time.Hour))
			opts := audit.Options{Now: clk.Now}
			var log audit.Log
			if impl == "bolt" {
				bl, err := audit.OpenBolt(filepath.Join(b.TempDir(), audit.DefaultFileName), opts)
				if err != nil {
					b.Fatal(err)
				}
				defer bl.Close()
				log = bl
			} else {
				r, err := audit.NewRedis(redistest.Start(b).Client(), audit.RedisOptions{Options: opts})
				if err != nil {
					b.Fatal(err)
				}
				log = r
			}
			ctx := context.Background()
			for i := range 10000 {
				clk.Add(time.Second)
				e := audit.Entry{Tenant: "acme.freshservice.com", Operation: audit.Update, Kind: "user", ID: int64(i%200 + 1),
					Email: fmt.Sprintf("user%d@acme.com", i%200), RequestID: fmt.Sprintf("req-%d", i), Status: 200,
					Method: "PATCH", Path: fmt.Sprintf("/scim/v2/Users/%d", i%200+1),
					Changes: []audit.Change{{Field: "job_title", Value: "Engineer"}, {Field: "department_ids", Value: "[42]"}}}
				if err := log.Append(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			clk.Add(time.Hour)
			for _, q := range []audit.Query{
				{Tenant: "acme.freshservice.com", User: "USER7@acme.com"},
				{Tenant: "acme.freshservice.com", ID: 8},
				{Tenant: "acme.freshservice.com"},
			} {
				b.Run(fmt.Sprintf("user=%q,id=%d", q.User, q.ID), func(b *testing.B) {
					for b.Loop() {
						got, err := log.Find(ctx, q)
						if err != nil || len(got) == 0 {
							b.Fatalf("find: %d entries, %v", len(got), err)
						}
					}
				})
			}
		})
	}
}
