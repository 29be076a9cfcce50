package freshservicetest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// CustomField is a user custom field the emulated account has configured.
type CustomField struct {
	Name    string
	Type    string // custom_text | custom_dropdown | custom_number | custom_checkbox | custom_date
	Choices []string
}

// Custom field types.
const (
	CustomText     = "custom_text"
	CustomDropdown = "custom_dropdown"
	CustomNumber   = "custom_number"
	CustomCheckbox = "custom_checkbox"
	CustomDate     = "custom_date"
)

// Options configures an Emulator.
type Options struct {
	PerMinute     int              // overall per-minute budget; 0 = unlimited
	ListPerMinute int              // budget of GET /requesters and GET /agents; 0 = unlimited
	Now           func() time.Time // clock for timestamps and rate windows; default time.Now
	CustomFields  []CustomField    // accepted custom_fields keys for users
	// KeepOnReactivate keeps department_ids, reporting_manager_id and location_id across a
	// deactivate/reactivate cycle; by default they come back empty, as the reference's sample shows.
	KeepOnReactivate bool
	// QueryLag is how long a change takes to reach filter queries (?query=): Freshservice's search
	// index lags its writes by minutes. Zero: at once.
	QueryLag time.Duration
}

// Emulator is an in-memory Freshservice v2 account. It is safe for concurrent use.
type Emulator struct {
	mu      sync.Mutex
	opts    Options
	st      *state
	routes  []route
	rate    rateWindow
	faults  []*armedFault
	latency time.Duration
	calls   []Call
}

// New returns an emulator serving /api/v2/... with no users, keys or objects.
func New(opts Options) *Emulator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.CustomFields = append([]CustomField(nil), opts.CustomFields...)
	return &Emulator{opts: opts, st: newState(), routes: routes()}
}

// NewServer starts an httptest server around a new emulator; the caller closes the server.
func NewServer(opts Options) (*Emulator, *httptest.Server) {
	e := New(opts)
	return e, httptest.NewServer(e)
}

// NewCountingServer starts an httptest server around h that counts the connections clients open to
// it, for tests of connection reuse; the caller closes the server.
func NewCountingServer(h http.Handler) (srv *httptest.Server, opened *atomic.Int64) {
	opened = new(atomic.Int64)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	return srv, opened
}

// now reads the clock truncated to whole seconds, the precision Freshservice timestamps carry.
func (e *Emulator) now() time.Time {
	return e.opts.Now().UTC().Truncate(time.Second)
}

var _ http.Handler = (*Emulator)(nil)
