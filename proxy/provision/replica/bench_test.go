package replica

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// benchUsers is the directory size the figures are stated for.
const benchUsers = 10000

var (
	benchGiven  = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus"}
	benchFamily = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth"}
	benchTitles = []string{"Analyst", "Engineer", "Manager", "Designer", "Accountant", "Consultant"}
	benchZones  = []string{"Pacific Time (US & Canada)", "Eastern Time (US & Canada)", "London", "Singapore"}
	benchDepts  = []string{"Engineering", "Sales", "Finance", "Support", "Marketing"}
)

// benchDirectory is n users as an Entra sync with the default mappings leaves them in Freshservice,
// every attribute fsscim maps set, with their SCIM views.
func benchDirectory(n int) []User {
	out := make([]User, 0, n)
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		given, family := benchGiven[i%len(benchGiven)], benchFamily[(i/len(benchGiven))%len(benchFamily)]
		fu := freshservice.User{
			ID: int64(21000000000 + i), FirstName: given, LastName: family,
			PrimaryEmail:      fmt.Sprintf("%s.%s.%05d@contoso-load.example.com", given, family, i),
			JobTitle:          benchTitles[i%len(benchTitles)],
			WorkPhoneNumber:   freshservice.FlexString(fmt.Sprintf("+1 425 555 %04d", i%10000)),
			MobilePhoneNumber: freshservice.FlexString(fmt.Sprintf("+1 206 555 %04d", i%10000)),
			Address:           fmt.Sprintf("%d Microsoft Way, Redmond, WA 98052", 1+i%500),
			TimeZone:          benchZones[i%len(benchZones)], Language: "en",
			ExternalID:         freshservice.FlexString(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)),
			DepartmentIDs:      []int64{int64(21100000000 + i%len(benchDepts))},
			ReportingManagerID: freshservice.ID(21000000000 + (i/50)*50),
			LocationID:         freshservice.ID(21200000000 + i%4),
			Active:             true,
			CreatedAt:          created, UpdatedAt: created,
		}
		refs := mapping.Refs{DepartmentName: benchDepts[i%len(benchDepts)], LocationName: benchZones[i%len(benchZones)]}
		out = append(out, User{FS: fu, View: mapping.UserFromFreshservice(fu, refs, mapping.Options{})})
	}
	return out
}

func benchReplica(b *testing.B, n int) *Replica {
	b.Helper()
	r := New(Options{})
	if err := r.Build(context.Background(), &fakeSource{users: benchDirectory(n)}); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkFindUsers is a lookup over 10,000 users: through a map index (userName, work email, id),
// through the hash column the first such lookup builds (the other matching attributes), and a filter
// that tests every user.
func BenchmarkFindUsers(b *testing.B) {
	r := benchReplica(b, benchUsers)
	search := mapping.NewUserSearch(mapping.Options{})
	for _, tt := range []struct{ name, filter string }{
		{"userName", `userName eq "Grace.Hopper.05011@contoso-load.example.com"`},
		{"Test Connection GUID", `userName eq "b4fa7c1e-0000-4000-8000-000000000000"`},
		{"work email", `emails[type eq "work"].value eq "grace.hopper.05011@contoso-load.example.com"`},
		{"manager check", `id eq "21000005011" and manager eq "21000005000"`},
		{"externalId (hash column)", `externalId eq "00001393-0000-4000-8000-000000001393"`},
		{"displayName (hash column)", `displayName eq "Grace Hopper"`},
		{"mobile phone (hash column)", `phoneNumbers[type eq "mobile"].value eq "+1 206 555 5011"`},
		{"department, 2,000 found (hash column)", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "finance"`},
		{"sw, or, not (every user)", `name.familyName sw "tur" and (title eq "Engineer" or not (active eq true))`},
	} {
		f, err := search.Compile(tt.filter)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if got := r.FindUsers(search, f); got == nil && tt.name != "Test Connection GUID" {
					b.Fatal("nothing found")
				}
			}
			// The process's CPU time, which a loaded machine inflates far less than the wall time.
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkReplicaMemory weighs a replica of 10,000 users, every attribute set: the live heap it
// adds, per user.
func BenchmarkReplicaMemory(b *testing.B) {
	users := benchDirectory(benchUsers)
	for b.Loop() {
		before := proxytest.LiveHeap()
		r := New(Options{})
		if err := r.Build(context.Background(), &fakeSource{users: users}); err != nil {
			b.Fatal(err)
		}
		after := proxytest.LiveHeap()
		b.ReportMetric(float64(after-min(before, after))/benchUsers, "bytes/user")
		runtime.KeepAlive(r)
	}
}

// cpuTime is the process's user and system CPU time, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
