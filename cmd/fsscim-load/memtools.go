package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/replica"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// indexMemory is what a tenant's directory replica holds in memory.
type indexMemory struct {
	Users int `json:"users"`
	// IndexBytes is the replica of the standard directory (name, email, title, external id).
	IndexBytes        uint64  `json:"index_bytes"`
	IndexBytesPerUser float64 `json:"index_bytes_per_user"`
	// RichBytes is the replica of a directory whose users carry every attribute fsscim maps.
	RichBytes               uint64  `json:"rich_bytes"`
	RichBytesPerUser        float64 `json:"rich_bytes_per_user"`
	TenantBytes             uint64  `json:"tenant_bytes_with_warm_index"`
	TenantBytesPerUser      float64 `json:"tenant_bytes_per_user"`
	IndexBuildSeconds       float64 `json:"index_build_seconds"`
	TenantFirstLookupMillis float64 `json:"tenant_first_lookup_ms"`
	Method                  string  `json:"method"`
}

// seedRichDirectory fills an account with n requesters carrying every attribute fsscim maps, as an
// Entra sync with the default mappings and a department, manager, office and phones leaves them.
func seedRichDirectory(n int) func(*freshservicetest.Emulator) {
	return func(emu *freshservicetest.Emulator) {
		var depts, locs []int64
		for _, name := range defaultDepartments {
			depts = append(depts, emu.AddDepartment(name).ID)
		}
		for _, name := range []string{"Seattle", "Redmond", "Dublin", "Singapore"} {
			locs = append(locs, emu.AddLocation(name).ID)
		}
		zones := []string{"Pacific Time (US & Canada)", "Eastern Time (US & Canada)", "Dublin", "Singapore"}
		var manager int64
		for i, u := range makeUsers(n, "", nil, dialectFlag) {
			added := emu.AddRequester(freshservice.User{
				FirstName:          u.given,
				LastName:           u.family,
				PrimaryEmail:       u.userName,
				JobTitle:           u.title,
				ExternalID:         freshservice.FlexString(u.externalID),
				WorkPhoneNumber:    freshservice.FlexString(u.phone),
				MobilePhoneNumber:  freshservice.FlexString(fmt.Sprintf("+1 206 555 %04d", i%10000)),
				Address:            fmt.Sprintf("%d Microsoft Way, Redmond, WA 98052", 1+i%500),
				TimeZone:           zones[i%len(zones)],
				Language:           "en",
				DepartmentIDs:      []int64{depts[i%len(depts)]},
				LocationID:         freshservice.ID(locs[i%len(locs)]),
				ReportingManagerID: freshservice.ID(manager),
			})
			if i%50 == 0 {
				manager = added.ID
			}
		}
	}
}

// replicaSource walks an emulated account for a bare replica build, working each user's SCIM view
// out as fsscim does (a fresh account has no fsscim records to add to it).
type replicaSource struct {
	c           *freshservice.Client
	depts, locs map[int64]string
}

func (s replicaSource) WalkUsers(ctx context.Context, fn func(replica.User) error) error {
	return s.c.WalkUsers(ctx, func(fu freshservice.User) error {
		var refs mapping.Refs
		if len(fu.DepartmentIDs) > 0 {
			refs.DepartmentName = s.depts[fu.DepartmentIDs[0]]
		}
		refs.LocationName = s.locs[int64(fu.LocationID)]
		return fn(replica.User{FS: fu, View: mapping.UserFromFreshservice(fu, refs, mapping.Options{})})
	})
}

func (replicaSource) WalkGroups(context.Context, func(replica.Group) error) error { return nil }

// bareReplica builds a replica of the account seed fills, straight from the emulator, and returns
// its live heap and build time.
func bareReplica(ctx context.Context, n int, seed func(*freshservicetest.Emulator)) (uint64, time.Duration, error) {
	emu := freshservicetest.New(freshservicetest.Options{})
	apiKey := randomHex(20)
	emu.AddAPIKey(apiKey, true)
	seed(emu)
	src := replicaSource{depts: map[int64]string{}, locs: map[int64]string{}}
	for _, d := range emu.Departments() {
		src.depts[d.ID] = d.Name
	}
	for _, l := range emu.Locations() {
		src.locs[l.ID] = l.Name
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, fmt.Errorf("listen for the emulator: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if src.c, err = freshservice.New(freshservice.Options{BaseURL: "http://" + ln.Addr().String() + "/api/v2", APIKey: apiKey}); err != nil {
		return 0, 0, err
	}
	emu.ResetCalls()
	before := proxytest.LiveHeap()
	rep := replica.New(replica.Options{})
	start := time.Now()
	if err := rep.Build(ctx, src); err != nil {
		return 0, 0, fmt.Errorf("build the replica: %w", err)
	}
	took := time.Since(start)
	emu.ResetCalls()
	after := proxytest.LiveHeap()
	if rep.Len() < n {
		return 0, 0, fmt.Errorf("the replica holds %d users, want %d", rep.Len(), n)
	}
	runtime.KeepAlive(rep)
	return after - min(before, after), took, nil
}

// seedDirectory fills an account with n requesters shaped like an Entra-provisioned directory:
// name, an email of typical length, and Entra's object id as external id.
func seedDirectory(n int) func(*freshservicetest.Emulator) {
	return func(emu *freshservicetest.Emulator) {
		for _, u := range makeUsers(n, "", nil, dialectFlag) {
			emu.AddRequester(freshservice.User{
				FirstName:    u.given,
				LastName:     u.family,
				PrimaryEmail: u.userName,
				JobTitle:     u.title,
				ExternalID:   freshservice.FlexString(u.externalID),
			})
		}
	}
}

// measureIndexMemory builds a directory replica of n users three times: bare (replica.Replica filled
// from the emulator) for the standard directory and for one whose users carry every attribute fsscim
// maps, and as fsscim builds it for a tenant on its first lookup; each is weighed by the live heap
// after a full collection before and after.
func measureIndexMemory(ctx context.Context, n int) (indexMemory, error) {
	out := indexMemory{Users: n, Method: "live heap (runtime.MemStats.HeapAlloc after two GCs) before and after, the account and everything else already in place"}
	bytes, took, err := bareReplica(ctx, n, seedDirectory(n))
	if err != nil {
		return out, err
	}
	out.IndexBytes, out.IndexBytesPerUser, out.IndexBuildSeconds = bytes, float64(bytes)/float64(n), took.Seconds()
	if bytes, _, err = bareReplica(ctx, n, seedRichDirectory(n)); err != nil {
		return out, err
	}
	out.RichBytes, out.RichBytesPerUser = bytes, float64(bytes)/float64(n)

	// The same directory as one fsscim tenant: its state, client, caches and warm replica.
	emb, err := startEmbedded(embeddedOptions{plan: unlimited, seed: seedDirectory(n)})
	if err != nil {
		return out, err
	}
	defer emb.Close()
	cl := newSCIMClient(emb.target(), 1)
	rec := newRecorder()
	before := proxytest.LiveHeap()
	start := time.Now()
	a, err := cl.send(ctx, rec, "lookup", http.MethodGet, testConnectionPath(), nil)
	if err != nil || a.status != http.StatusOK {
		return out, fmt.Errorf("first lookup: status %d, %v", a.status, err)
	}
	out.TenantFirstLookupMillis = float64(time.Since(start).Microseconds()) / 1000
	cl.http.CloseIdleConnections()
	emb.emu.ResetCalls()
	after := proxytest.LiveHeap()
	out.TenantBytes = after - min(before, after)
	out.TenantBytesPerUser = float64(out.TenantBytes) / float64(n)
	return out, nil
}

// idleTenants is the memory of one fsscim process serving many tenants that are not busy, at four
// moments: before fsscim starts, with the tenant files loaded and no request yet, right after each
// tenant was touched once with Test Connection, and once idle again.
type idleTenants struct {
	Tenants int `json:"tenants"`
	// Start: the load tool alone, before fsscim, the emulated account and the tenant files.
	RSSStartBytes  uint64 `json:"rss_start_bytes"`
	HeapStartBytes uint64 `json:"heap_start_bytes"`
	// Before: fsscim serving the loaded tenant files, none of which has had a request.
	RSSBeforeBytes  uint64 `json:"rss_before_bytes"`
	HeapBeforeBytes uint64 `json:"heap_before_bytes"`
	// Touched: right after the last Test Connection, garbage collected but not yet given back.
	RSSTouchedBytes   uint64 `json:"rss_after_touch_bytes"`
	HeapTouchedBytes  uint64 `json:"heap_after_touch_bytes"`
	GoroutinesTouched int    `json:"goroutines_after_touch"`
	// Idle: every tenant touched once, kept connections closed and freed memory given back to the
	// operating system.
	RSSIdleBytes   uint64 `json:"rss_idle_bytes"`
	HeapIdleBytes  uint64 `json:"heap_idle_bytes"`
	GoroutinesIdle int    `json:"goroutines_idle"`
	// HeapPerTenantBytes is what one Test Connection leaves behind per tenant: (idle - before) / N.
	HeapPerTenantBytes float64 `json:"heap_per_tenant_bytes"`
	// HeapPerLoadedTenantBytes is what a loaded tenant that never had a request holds: (before -
	// start) / N, fsscim's fixed heap spread over the tenants included.
	HeapPerLoadedTenantBytes float64 `json:"heap_per_loaded_tenant_bytes"`
	// IdleCPUPercent is the process's CPU use (user + system, % of one core) while nothing is asked
	// of it: the cost of background timers that grows with the number of tenants.
	IdleCPUPercent float64 `json:"idle_cpu_percent_of_one_core"`
	HeapProfile    string  `json:"heap_profile,omitempty"`
	Method         string  `json:"method"`
}

// measureIdleTenants loads n tenant files, touches each tenant once with Entra's Test Connection and
// measures the process: right after, and once idle connections have closed (the emulator closes them
// after emuIdle, as a real server would) and freed memory has gone back to the operating system (what
// Go's background scavenger does within minutes). The tenants' requests share one pool of concurrency
// connections to fsscim. With heapProfile set, the live heap of the idle process is written there
// while the tenants are still served.
func measureIdleTenants(ctx context.Context, n, concurrency int, emuIdle time.Duration, heapProfile string) (idleTenants, error) {
	out := idleTenants{Tenants: n, HeapProfile: heapProfile,
		Method: "VmRSS from /proc/self/status and live heap (runtime.MemStats.HeapAlloc after two GCs); one process holding fsscim, a small emulated account and the load client"}
	out.HeapStartBytes = proxytest.LiveHeap()
	debug.FreeOSMemory()
	out.RSSStartBytes = procStatus("VmRSS")
	emb, err := startEmbedded(embeddedOptions{plan: unlimited, tenants: n, emuIdleTimeout: emuIdle})
	if err != nil {
		return out, err
	}
	defer emb.Close()
	out.HeapBeforeBytes = proxytest.LiveHeap()
	debug.FreeOSMemory()
	out.RSSBeforeBytes = procStatus("VmRSS")

	rec := newRecorder()
	clients := newSCIMClients(emb.scimURL, emb.tokens, concurrency)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range concurrency {
		wg.Go(func() {
			for i := range next {
				a, err := clients[i].send(ctx, rec, "lookup", http.MethodGet, testConnectionPath(), nil)
				if err == nil && a.status != http.StatusOK {
					err = fmt.Errorf("tenant %d: Test Connection answered %d: %s", i, a.status, snippet(a.body))
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	// The emulator's log of the calls is the tool's, not fsscim's.
	emb.emu.ResetCalls()
	out.HeapTouchedBytes = proxytest.LiveHeap()
	out.RSSTouchedBytes = procStatus("VmRSS")
	out.GoroutinesTouched = runtime.NumGoroutine()

	// The load client lets go of its connections; the emulator closes its idle ones, and with them
	// fsscim's side goes too.
	clients[0].http.CloseIdleConnections()
	if err := freshservice.Sleep(ctx, 3*emuIdle); err != nil {
		return out, err
	}
	out.HeapIdleBytes = proxytest.LiveHeap()
	debug.FreeOSMemory()
	out.RSSIdleBytes = procStatus("VmRSS")
	out.GoroutinesIdle = runtime.NumGoroutine()
	out.HeapPerTenantBytes = float64(out.HeapIdleBytes-min(out.HeapBeforeBytes, out.HeapIdleBytes)) / float64(n)
	out.HeapPerLoadedTenantBytes = float64(out.HeapBeforeBytes-min(out.HeapStartBytes, out.HeapBeforeBytes)) / float64(n)
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			return out, err
		}
	}
	cpu, err := cpuWhileIdle(ctx, 2*emuIdle)
	if err != nil {
		return out, err
	}
	out.IdleCPUPercent = cpu
	runtime.KeepAlive(emb)
	return out, nil
}

// writeText prints the measurement for people.
func (t idleTenants) writeText(w io.Writer) {
	fmt.Fprintf(w, "%d tenants in one process (fsscim, a small emulated account, the load client):\n", t.Tenants)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "moment\tRSS MiB\tlive heap MiB\tgoroutines")
	fmt.Fprintf(tw, "before fsscim\t%.1f\t%.1f\t\n", mib(t.RSSStartBytes), mib(t.HeapStartBytes))
	fmt.Fprintf(tw, "tenant files loaded, no request yet\t%.1f\t%.1f\t\n", mib(t.RSSBeforeBytes), mib(t.HeapBeforeBytes))
	fmt.Fprintf(tw, "right after touching each once\t%.1f\t%.1f\t%d\n", mib(t.RSSTouchedBytes), mib(t.HeapTouchedBytes), t.GoroutinesTouched)
	fmt.Fprintf(tw, "touched once, then idle\t%.1f\t%.1f\t%d\n", mib(t.RSSIdleBytes), mib(t.HeapIdleBytes), t.GoroutinesIdle)
	tw.Flush()
	fmt.Fprintf(w, "heap per idle tenant (touched once): %.0f bytes; per loaded tenant never touched: %.0f bytes\n", t.HeapPerTenantBytes, t.HeapPerLoadedTenantBytes)
	fmt.Fprintf(w, "idle CPU: %.2f %% of one core\n", t.IdleCPUPercent)
	if t.HeapProfile != "" {
		fmt.Fprintf(w, "heap profile of the idle process: %s\n", t.HeapProfile)
	}
}

// writeText prints the measurement for people.
func (x indexMemory) writeText(w io.Writer) {
	fmt.Fprintf(w, "directory index of %d users: %.1f MiB, %.0f bytes per user (built in %.2f s)\n", x.Users, mib(x.IndexBytes), x.IndexBytesPerUser, x.IndexBuildSeconds)
	fmt.Fprintf(w, "a tenant with that warm index: %.1f MiB, %.0f bytes per user (first lookup %.0f ms)\n", mib(x.TenantBytes), x.TenantBytesPerUser, x.TenantFirstLookupMillis)
}

// cpuWhileIdle measures the process's CPU time over d, as a percentage of one core.
func cpuWhileIdle(ctx context.Context, d time.Duration) (float64, error) {
	before, err := cpuTime()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := freshservice.Sleep(ctx, d); err != nil {
		return 0, err
	}
	after, err := cpuTime()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(time.Since(start)) * 100, nil
}

func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
