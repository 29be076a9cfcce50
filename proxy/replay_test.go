package proxy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/proxytest/golden"
)

// Replay scenarios: each file under replayDir is a sequence of requests as Entra sends them, run
// through the real server against the emulator. After every step the SCIM answer, the Freshservice
// state and the calls fsscim made are compared with a golden file (go test ./proxy/ -update rewrites
// them); a step may also pin the calls and parts of the answer and of the Freshservice state by hand.
//
// Placeholders: "{{ref}}" names a user the scenario seeded or saved from a create; in paths and
// bodies it becomes the id, in answers, states and calls every known id becomes its placeholder
// ({{ref}}, {{user:email}}, {{department:Name}}, {{location:Name}}), so goldens do not depend on
// the emulator's id sequence.
const replayDir = "../testdata/entra/users"

type replayScenario struct {
	About    string         `json:"about"`
	Tenant   []string       `json:"tenant"`
	Emulator replayEmulator `json:"emulator"`
	Seed     replaySeed     `json:"seed"`
	Steps    []replayStep   `json:"steps"`
}

type replayEmulator struct {
	KeepOnReactivate bool `json:"keep_on_reactivate"`
}

type replaySeed struct {
	Departments []string     `json:"departments"`
	Locations   []string     `json:"locations"`
	Users       []replayUser `json:"users"`
}

// seedUser is what every scenario says of a user it seeds in Freshservice.
type seedUser struct {
	Ref       string `json:"ref"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Inactive  bool   `json:"inactive"`
}

func (u seedUser) model() freshservice.User {
	return freshservice.User{PrimaryEmail: u.Email, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

type replayUser struct {
	seedUser
	Agent      bool   `json:"agent"`
	Department string `json:"department"`
	Location   string `json:"location"`
}

type replayFault struct {
	Status       int    `json:"status"`
	RetryAfterS  int    `json:"retry_after_s"`
	LatencyMS    int    `json:"latency_ms"`
	Drop         bool   `json:"drop"`
	AfterWrite   bool   `json:"after_write"`
	Method       string `json:"method"`
	PathPrefix   string `json:"path_prefix"`
	Count        int    `json:"count"` // 0 = once, <0 = until cleared
	ClearedAfter bool   `json:"cleared_after"`
}

// replayRequest is what every replay step says: its request, the status it must be answered, the
// name to save the answer's id under, and a subset the answer must hold (a null value: absent or
// empty).
type replayRequest struct {
	Name     string          `json:"name"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Body     json.RawMessage `json:"body"`
	BodyFile string          `json:"body_file"` // under the scenario folder's bodies
	Status   int             `json:"status"`
	Save     string          `json:"save"`
	Answer   map[string]any  `json:"answer"`
}

type replayStep struct {
	replayRequest
	// Calls is the exact list of Freshservice calls the step must make (required).
	Calls *[]string `json:"calls"`
	// Headers are headers the answer must carry.
	Headers map[string]string `json:"headers"`
	// Freshservice is, per user placeholder, a subset of its Freshservice record after the step;
	// a null record means the user must not exist.
	Freshservice map[string]map[string]any `json:"freshservice"`
	// UserCount, when set, is the number of users (API key owners aside) that must exist after it.
	UserCount *int `json:"user_count"`
	// Log lists texts fsscim's log must show for this step.
	Log []string `json:"log"`
	// Before the request: seed objects directly in Freshservice, arm a fault.
	Seed  *replaySeed  `json:"seed"`
	Fault *replayFault `json:"fault"`
}

func TestReplayEntraUsers(t *testing.T) {
	for name, file := range scenarioFiles(t, replayDir) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runReplay(t, name, file)
		})
	}
}

// replayRun is one scenario being played.
type replayRun struct {
	t    *testing.T
	h    *harness
	name string
	refs map[string]int64 // fixture names of users
}

func runReplay(t *testing.T, name, file string) {
	sc := readScenario[replayScenario](t, file)
	opts := []harnessOption{withEmulator(freshservicetest.Options{KeepOnReactivate: sc.Emulator.KeepOnReactivate})}
	for _, line := range sc.Tenant {
		opts = append(opts, withTenant(line))
	}
	run := &replayRun{t: t, h: newHarness(t, opts...), name: name, refs: map[string]int64{}}
	goldenDir := filepath.Join(replayDir, "golden", name)
	if golden.Updating() {
		// Steps may have been renamed or removed: write the scenario's goldens afresh.
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
	}
	run.seed(sc.Seed)
	for i, st := range sc.Steps {
		if !run.step(i+1, st) {
			return
		}
	}
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(sc.Steps) {
		t.Errorf("%s holds %d goldens for %d steps (run with -update to rewrite them)", goldenDir, len(entries), len(sc.Steps))
	}
}

func (run *replayRun) seed(s replaySeed) {
	emu := run.h.emu
	for _, d := range s.Departments {
		emu.AddDepartment(d)
	}
	for _, l := range s.Locations {
		emu.AddLocation(l)
	}
	for _, u := range s.Users {
		m := u.model()
		if u.Department != "" {
			m.DepartmentIDs = []int64{seededID(run.t, "department", emu.Departments(), u.Department,
				func(d freshservice.Department) (string, int64) { return d.Name, d.ID })}
		}
		if u.Location != "" {
			m.LocationID = freshservice.ID(seededID(run.t, "location", emu.Locations(), u.Location,
				func(l freshservice.Location) (string, int64) { return l.Name, l.ID }))
		}
		id := seedReplayUser(emu, m, u.Agent, u.Inactive)
		if u.Ref != "" {
			run.refs[u.Ref] = id
		}
	}
}

// seededID is the id of the item called name among what the emulator holds of one kind.
func seededID[T any](t testing.TB, kind string, items []T, name string, nameID func(T) (string, int64)) int64 {
	t.Helper()
	for _, it := range items {
		if n, id := nameID(it); n == name {
			return id
		}
	}
	t.Fatalf("seed: no %s %q", kind, name)
	return 0
}

// names maps every id the emulator knows to its placeholder.
func (run *replayRun) names() map[int64]string {
	out := map[int64]string{}
	for _, u := range run.h.emu.Users() {
		out[u.ID] = "{{user:" + strings.ToLower(u.Mail()) + "}}"
	}
	for _, d := range run.h.emu.Departments() {
		out[d.ID] = "{{department:" + d.Name + "}}"
	}
	for _, l := range run.h.emu.Locations() {
		out[l.ID] = "{{location:" + l.Name + "}}"
	}
	for ref, id := range run.refs {
		out[id] = "{{" + ref + "}}"
	}
	return out
}

// replayIDPattern finds emulator ids (11 digits and more) inside text.
var replayIDPattern = regexp.MustCompile(`\b\d{11,}\b`)

// normalise makes v comparable across runs: ids become placeholders, timestamps and fsscim's base URL
// fixed texts.
func (run *replayRun) normalise(v any, names map[int64]string) any {
	return run.normaliseValue(v, names, false)
}

// normaliseValue is normalise, dropping empty values when dropEmpty is set (Freshservice records
// carry many empty fields that would only bloat goldens; SCIM answers are kept whole).
func (run *replayRun) normaliseValue(v any, names map[int64]string, dropEmpty bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			switch k {
			case "created", "lastModified", "created_at", "updated_at":
				if x != nil && x != "" {
					out[k] = "<time>"
				}
				continue
			case "version":
				out[k] = "<version>"
				continue
			}
			n := run.normaliseValue(x, names, dropEmpty)
			if dropEmpty && mapping.CarriesNothing(n) {
				continue
			}
			out[k] = n
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, x := range t {
			out = append(out, run.normaliseValue(x, names, dropEmpty))
		}
		return out
	case float64:
		if name, ok := names[int64(t)]; ok && t == float64(int64(t)) {
			return name
		}
		return t
	case json.Number:
		if n, err := t.Int64(); err == nil {
			if name, ok := names[n]; ok {
				return name
			}
		}
		f, _ := t.Float64()
		return f
	case string:
		s := strings.ReplaceAll(t, run.h.http.URL, "<fsscim>")
		return replayIDPattern.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.ParseInt(m, 10, 64)
			if name, ok := names[n]; ok {
				return name
			}
			return m
		})
	}
	return v
}

// state is the Freshservice account as a golden records it: users (API key owners aside) by
// placeholder, department and location names.
func (run *replayRun) state(names map[int64]string) map[string]any {
	users := map[string]any{}
	for _, u := range run.h.emu.Users() {
		if strings.HasSuffix(u.Mail(), "@emulator.invalid") {
			continue
		}
		users[names[u.ID]] = run.userState(u, names)
	}
	var depts, locs []any
	for _, d := range run.h.emu.Departments() {
		depts = append(depts, d.Name)
	}
	for _, l := range run.h.emu.Locations() {
		locs = append(locs, l.Name)
	}
	out := map[string]any{"users": users}
	if len(depts) > 0 {
		out["departments"] = depts
	}
	if len(locs) > 0 {
		out["locations"] = locs
	}
	return out
}

func (run *replayRun) userState(u freshservice.User, names map[int64]string) any {
	raw, err := json.Marshal(u)
	if err != nil {
		run.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		run.t.Fatal(err)
	}
	// Fields fsscim never writes only bloat the goldens; false booleans that matter (active, is_agent,
	// occasional) are kept.
	for _, k := range []string{"created_at", "updated_at", "time_format", "has_logged_in", "vip_user"} {
		delete(m, k)
	}
	return run.normaliseValue(m, names, true)
}

func (run *replayRun) armFault(f replayFault) {
	n := f.Count
	if n == 0 {
		n = 1
	}
	run.h.emu.InjectFault(freshservicetest.Fault{
		Status:     f.Status,
		RetryAfter: time.Duration(f.RetryAfterS) * time.Second,
		Latency:    time.Duration(f.LatencyMS) * time.Millisecond,
		Drop:       f.Drop,
		AfterWrite: f.AfterWrite,
		Method:     f.Method,
		PathPrefix: f.PathPrefix,
	}, n)
}

// send plays the request against h, its placeholders filled from refs and its body read from dir's
// bodies when it names a file; it checks the status (statusOK), decodes the answer (numbers as
// json.Number when useNumber) and saves its id as the step asks. goOn is false when later steps
// cannot run.
func (q replayRequest) send(t *testing.T, h *harness, dir string, refs map[string]int64, label string, useNumber bool) (r response, answer any, statusOK, goOn bool) {
	t.Helper()
	var body any
	switch {
	case q.BodyFile != "":
		b, err := os.ReadFile(filepath.Join(dir, "bodies", q.BodyFile))
		if err != nil {
			t.Fatal(err)
		}
		body = fillRefs(t, refs, string(b))
	case len(q.Body) > 0:
		body = fillRefs(t, refs, string(q.Body))
	}
	r = h.do(q.Method, fillRefs(t, refs, q.Path), body)
	answer, statusOK, goOn = replayAnswer(t, label, q.Method, q.Path, q.Status, r, useNumber)
	return r, answer, statusOK, goOn && saveReplayID(t, label, answer, r, refs, q.Save)
}

// checkAnswer checks the step's subset of the answer, normalised as its golden records it.
func (q replayRequest) checkAnswer(t *testing.T, label string, norm any) {
	t.Helper()
	m, _ := norm.(map[string]any)
	for k, want := range q.Answer {
		if !subset(want, m[k]) {
			t.Errorf("%s: answer %q is %s, want %s", label, k, mustJSON(m[k]), mustJSON(want))
		}
	}
}

// step plays one request and checks it; false stops the scenario (later steps depend on it).
func (run *replayRun) step(n int, st replayStep) bool {
	t, h := run.t, run.h
	t.Helper()
	label := fmt.Sprintf("step %d (%s)", n, st.Name)
	if st.Seed != nil {
		run.seed(*st.Seed)
	}
	if st.Fault != nil {
		run.armFault(*st.Fault)
	}
	h.emu.ResetCalls()
	logStart := len(h.logs.String())

	r, answer, ok, goOn := st.send(t, h, replayDir, run.refs, label, true)
	if st.Fault != nil && st.Fault.ClearedAfter {
		h.emu.ClearFaults()
	}
	if !goOn {
		return false
	}

	names := run.names()
	calls := make([]string, 0)
	for _, c := range h.callsWithQuery() {
		calls = append(calls, run.normalise(c, names).(string))
	}
	if st.Calls == nil {
		t.Errorf("%s: the fixture must list the step's calls; they were %s", label, mustJSON(calls))
	} else if !reflect.DeepEqual(calls, *st.Calls) && !(len(calls) == 0 && len(*st.Calls) == 0) {
		t.Errorf("%s: Freshservice calls\n got %s\nwant %s", label, mustJSON(calls), mustJSON(*st.Calls))
	}
	normAnswer := run.normalise(answer, names)
	st.checkAnswer(t, label, normAnswer)
	for k, want := range st.Headers {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: header %s is %q, want %q", label, k, got, want)
		}
	}
	state := run.state(names)
	users := state["users"].(map[string]any)
	for who, want := range st.Freshservice {
		got, exists := users[who]
		if want == nil {
			if exists {
				t.Errorf("%s: %s exists in Freshservice: %s", label, who, mustJSON(got))
			}
			continue
		}
		if !exists {
			t.Errorf("%s: no user %s in Freshservice (users: %s)", label, who, mustJSON(slices.Sorted(maps.Keys(users))))
			continue
		}
		wantAny := map[string]any(want)
		if !subset(any(wantAny), got) {
			t.Errorf("%s: Freshservice user %s is\n%s\nwant at least %s", label, who, mustJSON(got), mustJSON(want))
		}
	}
	if st.UserCount != nil && len(users) != *st.UserCount {
		t.Errorf("%s: %d users in Freshservice, want %d: %s", label, len(users), *st.UserCount, mustJSON(slices.Sorted(maps.Keys(users))))
	}
	logs := h.logs.String()[logStart:]
	for _, want := range st.Log {
		if !strings.Contains(logs, want) {
			t.Errorf("%s: log does not say %q", label, want)
		}
	}

	golden := replayGolden(r, answer, normAnswer, calls)
	golden["freshservice"] = state
	compareGoldenFile(t, filepath.Join(replayDir, "golden", run.name, stepGoldenFile(n, st.Name)), golden)
	return ok
}

// scenarioFiles yields the name and path of each scenario file in dir; none at all fails the test.
func scenarioFiles(t *testing.T, dir string) iter.Seq2[string, string] {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scenarios in %s", dir)
	}
	return func(yield func(string, string) bool) {
		for _, file := range files {
			if !yield(strings.TrimSuffix(filepath.Base(file), ".json"), file) {
				return
			}
		}
	}
}

// readScenario decodes a replay scenario file; a field the scenario type does not know fails the
// test, so that a misspelt check is not silently skipped.
func readScenario[S any](t *testing.T, file string) S {
	t.Helper()
	var sc S
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return sc
}

// seedReplayUser adds u to Freshservice as an agent or a requester, deactivated if asked, and
// returns its id.
func seedReplayUser(emu *freshservicetest.Emulator, u freshservice.User, agent, inactive bool) int64 {
	var made freshservice.User
	if agent {
		made = emu.AddAgent(u)
	} else {
		made = emu.AddRequester(u)
	}
	if inactive {
		emu.Deactivate(made.ID)
	}
	return made.ID
}

var replayPlaceholder = regexp.MustCompile(`\{\{([^{}]+)\}\}`)

// fillRefs replaces each {{ref}} in s with the id it names.
func fillRefs(t *testing.T, refs map[string]int64, s string) string {
	t.Helper()
	return replayPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
		id, ok := refs[m[2:len(m)-2]]
		if !ok {
			t.Fatalf("unknown placeholder %s", m)
		}
		return strconv.FormatInt(id, 10)
	})
}

// replayAnswer checks a step's status (statusOK) and decodes its answer, numbers as json.Number when
// useNumber; goOn is false when the answer is not JSON.
func replayAnswer(t *testing.T, label, method, path string, want int, r response, useNumber bool) (answer any, statusOK, goOn bool) {
	t.Helper()
	statusOK = r.Status == want
	if !statusOK {
		t.Errorf("%s: %s %s: status %d, want %d\n%s", label, method, path, r.Status, want, r.Body)
	}
	if len(bytes.TrimSpace(r.Body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		if useNumber {
			dec.UseNumber()
		}
		if err := dec.Decode(&answer); err != nil {
			t.Errorf("%s: answer is not JSON: %v\n%s", label, err, r.Body)
			return nil, statusOK, false
		}
	}
	return answer, statusOK, true
}

// saveReplayID records the answer's id under ref (when the step names one); false when it has none.
func saveReplayID(t *testing.T, label string, answer any, r response, refs map[string]int64, ref string) bool {
	t.Helper()
	if ref == "" {
		return true
	}
	m, _ := answer.(map[string]any)
	id, err := strconv.ParseInt(fmt.Sprint(m["id"]), 10, 64)
	if err != nil {
		t.Errorf("%s: no id to save as %q in %s", label, ref, r.Body)
		return false
	}
	refs[ref] = id
	return true
}

// replayGolden is what every step's golden records: the status, the calls, the normalised answer if
// any, and whether Retry-After was set (its value may depend on the clock; steps pin it where not).
func replayGolden(r response, answer, normAnswer any, calls []string) map[string]any {
	golden := map[string]any{"status": r.Status, "calls": calls}
	if answer != nil {
		golden["answer"] = normAnswer
	}
	if r.Header.Get("Retry-After") != "" {
		golden["retry_after"] = "<set>"
	}
	return golden
}

// stepGoldenFile names the golden of step n.
func stepGoldenFile(n int, name string) string { return fmt.Sprintf("%02d-%s.json", n, slug(name)) }

// compareGoldenFile compares v, as indented JSON, with the golden file at path, or rewrites the file
// under -update.
func compareGoldenFile(t *testing.T, path string, v any) {
	t.Helper()
	golden.Check(t, path, []byte(mustJSON(v)+"\n"))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// subset reports whether got holds want: maps key by key (recursively), null as "absent or empty",
// everything else equal.
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !subset(wv, g[k]) {
				return false
			}
		}
		return true
	case nil:
		return mapping.CarriesNothing(got)
	}
	return reflect.DeepEqual(mustJSON(want), mustJSON(got))
}

func mustJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
