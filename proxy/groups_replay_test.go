package proxy_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Group replay scenarios: each file under groupReplayDir is a sequence of requests as Entra sends
// them, played against the real server and the emulator once per group target the scenario names
// (requester_groups, agent_groups). Seeded users are requesters for the first and agents for the
// second, unless a user asks for the other kind. After every step the SCIM answer, the calls made and
// the groups' state in Freshservice are compared with a golden file per target (go test ./proxy/
// -update rewrites them); steps also pin what matters by hand.
const groupReplayDir = "../testdata/entra/groups"

type groupScenario struct {
	About   string          `json:"about"`
	Targets []string        `json:"targets"` // default: both
	Tenant  []string        `json:"tenant"`  // extra tenant file lines
	Seed    groupReplaySeed `json:"seed"`
	Steps   []groupStep     `json:"steps"`
}

type groupReplaySeed struct {
	Users  []groupReplayUser  `json:"users"`
	Groups []groupReplayGroup `json:"groups"`
}

type groupReplayUser struct {
	seedUser
	OtherKind bool `json:"other_kind"` // an agent for requester groups, a requester for agent groups
}

type groupReplayGroup struct {
	Ref       string   `json:"ref"`
	Name      string   `json:"name"`
	RuleBased bool     `json:"rule_based"` // requester groups only
	Members   []string `json:"members"`    // user refs
}

type groupStep struct {
	replayRequest
	// Detail lists texts the error detail must contain.
	Detail []string `json:"detail"`
	// NoMemberCalls says the step must not read any member list.
	NoMemberCalls bool `json:"no_member_calls"`
	// NoWrites says the step must make no Freshservice write.
	NoWrites bool `json:"no_writes"`
	// Groups is, per group placeholder, what Freshservice must hold after the step: name and the
	// member placeholders (in any order); null means the group must not exist.
	Groups map[string]*groupWant `json:"groups"`
}

type groupWant struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Members     []string `json:"members"`
}

func TestReplayEntraGroups(t *testing.T) {
	for name, file := range scenarioFiles(t, groupReplayDir) {
		sc := readScenario[groupScenario](t, file)
		targets := sc.Targets
		if len(targets) == 0 {
			targets = []string{"requester_groups", "agent_groups"}
		}
		for _, target := range targets {
			t.Run(name+"/"+target, func(t *testing.T) {
				t.Parallel()
				run := &groupRun{t: t, name: name, target: target, refs: map[string]int64{}}
				opts := []harnessOption{withTenant("groups: {target: " + target + "}")}
				for _, line := range sc.Tenant {
					opts = append(opts, withTenant(line))
				}
				run.h = newHarness(t, opts...)
				run.seed(sc.Seed)
				for i, st := range sc.Steps {
					if !run.step(i+1, st) {
						return
					}
				}
			})
		}
	}
}

// groupRun is one scenario being played against one target.
type groupRun struct {
	t      *testing.T
	h      *harness
	name   string
	target string
	refs   map[string]int64
	groups []string // refs of groups, for the state
}

func (run *groupRun) agents() bool { return run.target == "agent_groups" }

func (run *groupRun) seed(s groupReplaySeed) {
	emu := run.h.emu
	for _, u := range s.Users {
		run.refs[u.Ref] = seedReplayUser(emu, u.model(), run.agents() != u.OtherKind, u.Inactive)
	}
	for _, g := range s.Groups {
		var id int64
		if run.agents() {
			id = emu.AddAgentGroup(g.Name).ID
		} else {
			id = emu.AddRequesterGroup(g.Name, g.RuleBased).ID
		}
		run.refs[g.Ref] = id
		run.groups = append(run.groups, g.Ref)
		for _, m := range g.Members {
			if run.agents() {
				run.t.Fatalf("seeding agent group members is not supported")
			}
			if err := emu.AddRequesterGroupMember(id, run.refs[m]); err != nil {
				run.t.Fatal(err)
			}
		}
	}
}

// anonymise turns every known id inside a text into its placeholder.
func (run *groupRun) anonymise(s string) string {
	for ref, id := range run.refs {
		s = regexp.MustCompile(`\b`+strconv.FormatInt(id, 10)+`\b`).ReplaceAllString(s, "{{"+ref+"}}")
	}
	return s
}

// normalise makes a decoded answer comparable across runs: ids become placeholders, times fixed.
func (run *groupRun) normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if k == "created" || k == "lastModified" {
				out[k] = "<time>"
				continue
			}
			out[k] = run.normalise(x)
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, x := range t {
			out = append(out, run.normalise(x))
		}
		return out
	case string:
		return run.anonymise(strings.ReplaceAll(t, run.h.http.URL, "<fsscim>"))
	}
	return v
}

// state is every group the scenario knows, as Freshservice holds it.
func (run *groupRun) state() map[string]any {
	out := map[string]any{}
	for _, ref := range run.groups {
		id := run.refs[ref]
		var g map[string]any
		if run.agents() {
			if ag, ok := run.h.emu.AgentGroup(id); ok {
				g = map[string]any{"name": ag.Name, "description": ag.Description, "members": run.placeholders(ag.Members)}
			}
		} else if rg, ok := run.h.emu.RequesterGroup(id); ok {
			g = map[string]any{"name": rg.Name, "description": rg.Description, "type": rg.Type,
				"members": run.placeholders(run.h.emu.RequesterGroupMembers(id))}
		}
		if g == nil {
			out["{{"+ref+"}}"] = nil
			continue
		}
		out["{{"+ref+"}}"] = g
	}
	return out
}

func (run *groupRun) placeholders(ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, run.anonymise(strconv.FormatInt(id, 10)))
	}
	slices.Sort(out)
	return out
}

// step plays one request and checks it; false stops the scenario.
func (run *groupRun) step(n int, st groupStep) bool {
	t, h := run.t, run.h
	label := fmt.Sprintf("step %d (%s)", n, st.Name)
	h.emu.ResetCalls()
	r, answer, ok, goOn := st.send(t, h, groupReplayDir, run.refs, label, false)
	if !goOn {
		return false
	}
	if st.Save != "" {
		run.groups = append(run.groups, st.Save)
	}
	norm := run.normalise(answer)
	st.checkAnswer(t, label, norm)
	m, _ := norm.(map[string]any)
	for _, want := range st.Detail {
		if detail, _ := m["detail"].(string); !strings.Contains(detail, run.anonymise(fillRefs(t, run.refs, want))) {
			t.Errorf("%s: detail %q does not say %q", label, detail, want)
		}
	}

	calls := make([]string, 0)
	for _, c := range h.callsWithQuery() {
		calls = append(calls, run.anonymise(c))
	}
	sortMemberWrites(calls)
	for _, c := range calls {
		if st.NoMemberCalls && strings.Contains(c, "/members") {
			t.Errorf("%s: read a member list: %s", label, c)
		}
		if st.NoWrites && !strings.HasPrefix(c, "GET ") {
			t.Errorf("%s: wrote to Freshservice: %s", label, c)
		}
	}

	state := run.state()
	for ref, want := range st.Groups {
		got := state[ref]
		if want == nil {
			if got != nil {
				t.Errorf("%s: group %s still exists: %s", label, ref, mustJSON(got))
			}
			continue
		}
		g, exists := got.(map[string]any)
		if !exists {
			t.Errorf("%s: no group %s in Freshservice", label, ref)
			continue
		}
		if want.Name != nil && g["name"] != *want.Name {
			t.Errorf("%s: group %s is named %q, want %q", label, ref, g["name"], *want.Name)
		}
		if want.Description != nil && g["description"] != *want.Description {
			t.Errorf("%s: group %s has description %q, want %q", label, ref, g["description"], *want.Description)
		}
		if want.Members != nil {
			wantMembers := slices.Clone(want.Members)
			slices.Sort(wantMembers)
			if !reflect.DeepEqual(g["members"], wantMembers) {
				t.Errorf("%s: group %s has members %v, want %v", label, ref, g["members"], wantMembers)
			}
		}
	}

	golden := replayGolden(r, answer, norm, calls)
	golden["groups"] = state
	compareGoldenFile(t, filepath.Join(groupReplayDir, "golden", run.name, run.target, stepGoldenFile(n, st.Name)), golden)
	return ok
}

// memberWriteRE matches the one-member-per-call writes of requester groups.
var memberWriteRE = regexp.MustCompile(`^(POST|DELETE) /requester_groups/[^/]+/members/`)

// sortMemberWrites sorts each run of member writes: fsscim makes them a few at a time, so their
// order varies between runs while what they do does not.
func sortMemberWrites(calls []string) {
	for i := 0; i < len(calls); {
		j := i
		for j < len(calls) && memberWriteRE.MatchString(calls[j]) {
			j++
		}
		if j > i {
			slices.Sort(calls[i:j])
			i = j
			continue
		}
		i++
	}
}
