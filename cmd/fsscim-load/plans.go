package main

import (
	"fmt"
	"strings"
	"time"
)

// plan is a Freshservice plan's API limits per minute (as Freshservice publishes them per plan): the overall
// limit of the account and the smaller one of the requester and agent lists.
type plan struct {
	Name          string `json:"name"`
	PerMinute     int    `json:"per_minute"`      // 0: no limit
	ListPerMinute int    `json:"list_per_minute"` // 0: no limit
}

// plans are Freshservice's per-minute plans, smallest first.
var plans = []plan{
	{Name: "starter", PerMinute: 100, ListPerMinute: 40},
	{Name: "growth", PerMinute: 200, ListPerMinute: 70},
	{Name: "pro", PerMinute: 400, ListPerMinute: 120},
	{Name: "enterprise", PerMinute: 500, ListPerMinute: 140},
}

// unlimited is the emulator without rate limits, for measuring fsscim itself.
var unlimited = plan{Name: "none"}

// planByName finds a plan; "none" is the unlimited emulator.
func planByName(name string) (plan, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == unlimited.Name || name == "unlimited" {
		return unlimited, nil
	}
	for _, p := range plans {
		if p.Name == name {
			return p, nil
		}
	}
	return plan{}, fmt.Errorf("unknown plan %q; use one of %s or none", name, planNames())
}

// parsePlans reads a comma-separated list of plan names; "all" is every plan, "" none.
func parsePlans(list string) ([]plan, error) {
	list = strings.TrimSpace(list)
	switch strings.ToLower(list) {
	case "":
		return nil, nil
	case "all":
		return append([]plan(nil), plans...), nil
	}
	var out []plan
	for name := range strings.SplitSeq(list, ",") {
		p, err := planByName(name)
		if err != nil {
			return nil, err
		}
		if p.PerMinute == 0 {
			return nil, fmt.Errorf("--plans: %q has no limits to simulate", name)
		}
		out = append(out, p)
	}
	return out, nil
}

func planNames() string {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// floor is the shortest time in which the plan's overall limit lets writes calls through. An initial
// sync needs at least one write per new user, so no tool can provision that many users faster.
func (p plan) floor(writes int) time.Duration {
	if p.PerMinute <= 0 {
		return 0
	}
	return time.Duration(float64(writes) / float64(p.PerMinute) * float64(time.Minute))
}

func (p plan) String() string {
	if p.PerMinute == 0 {
		return "none (no rate limit)"
	}
	return fmt.Sprintf("%s (%d calls/min, %d list calls/min)", p.Name, p.PerMinute, p.ListPerMinute)
}
