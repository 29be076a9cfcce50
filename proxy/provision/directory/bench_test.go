package directory_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/provision/directory"
)

// indexBenchUsers is the directory size the memory target is stated for.
const indexBenchUsers = 10000

// indexBenchAccount is an emulated account holding n requesters shaped like an Entra-provisioned
// directory (email of typical length, Entra's object id as external id), and a client for it.
func indexBenchAccount(b *testing.B, n int) *freshservice.Client {
	b.Helper()
	emu := freshservicetest.New(freshservicetest.Options{})
	emu.AddAPIKey("index-bench-key", true)
	for i := range n {
		emu.AddRequester(freshservice.User{
			FirstName:    "Given",
			LastName:     fmt.Sprintf("Family%05d", i),
			PrimaryEmail: fmt.Sprintf("given.family.%05d@contoso-example.com", i),
			ExternalID:   freshservice.FlexString(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)),
		})
	}
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	c, err := freshservice.New(freshservice.Options{BaseURL: srv.URL + "/api/v2", APIKey: "index-bench-key"})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func indexBenchBuild(b *testing.B, c *freshservice.Client) *directory.Index {
	b.Helper()
	idx := directory.New(directory.Options{})
	if err := idx.Build(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	return idx
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkIndexLookup is the directory lookup behind every Entra match query.
func BenchmarkIndexLookup(b *testing.B) {
	c := indexBenchAccount(b, indexBenchUsers)
	idx := indexBenchBuild(b, c)
	tests := []struct {
		name string
		find func() (bool, error)
	}{
		{"by email, found, other case", func() (bool, error) {
			_, ok, err := idx.ByEmail("Given.Family.04242@Contoso-Example.com")
			return ok, err
		}},
		{"by email, absent (Test Connection)", func() (bool, error) {
			_, ok, err := idx.ByEmail("b4fa7c1e-0000-4000-8000-000000000000")
			return !ok, err
		}},
		{"by id", func() (bool, error) {
			_, ok, err := idx.ByID(21000000042)
			return ok, err
		}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := tt.find(); !ok || err != nil {
					b.Fatalf("lookup: %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkIndexBuild walks a directory of 10,000 users into a new index (100 pages per kind of user
// against the in-process emulator) and reports what the finished index holds in memory per user.
func BenchmarkIndexBuild(b *testing.B) {
	c := indexBenchAccount(b, indexBenchUsers)
	before := liveHeap()
	kept := indexBenchBuild(b, c)
	perUser := float64(liveHeap()-before) / indexBenchUsers
	if kept.Len() < indexBenchUsers {
		b.Fatalf("index holds %d users", kept.Len())
	}
	if _, ok, _ := kept.ByEmail(strings.ToUpper("given.family.00001@contoso-example.com")); !ok {
		b.Fatal("index misses a user")
	}
	runtime.KeepAlive(kept)
	b.ReportAllocs()
	for b.Loop() {
		indexBenchBuild(b, c)
	}
	b.ReportMetric(perUser, "heap-B/user")
}
