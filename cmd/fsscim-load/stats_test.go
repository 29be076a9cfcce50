package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(101-i)*time.Millisecond) // unsorted on purpose
	}
	tests := []struct {
		name string
		in   []time.Duration
		want latencies
	}{
		{"empty", nil, latencies{}},
		{"one", []time.Duration{1500 * time.Microsecond}, latencies{Count: 1, P50: 1.5, P95: 1.5, P99: 1.5, Max: 1.5, Mean: 1.5}},
		{"1..100 ms", d, latencies{Count: 100, P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("summarize = %+v, want %+v", got, tt.want)
			}
		})
	}
	if d[0] != 100*time.Millisecond {
		t.Error("summarize sorted its input in place")
	}
}

func TestPlans(t *testing.T) {
	tests := []struct {
		list    string
		want    []string
		wantErr bool
	}{
		{"all", []string{"starter", "growth", "pro", "enterprise"}, false},
		{"", nil, false},
		{"Growth, enterprise", []string{"growth", "enterprise"}, false},
		{"none", nil, true},
		{"platinum", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			got, err := parsePlans(tt.list)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parsePlans(%q) error = %v, want error %v", tt.list, err, tt.wantErr)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
			}
			if len(names) != len(tt.want) {
				t.Fatalf("parsePlans(%q) = %v, want %v", tt.list, names, tt.want)
			}
			for i := range names {
				if names[i] != tt.want[i] {
					t.Fatalf("parsePlans(%q) = %v, want %v", tt.list, names, tt.want)
				}
			}
		})
	}
	starter, _ := planByName("starter")
	if got := starter.floor(10000); got != 100*time.Minute {
		t.Errorf("starter floor for 10,000 users = %s, want 100m", got)
	}
	if p, err := planByName("unlimited"); err != nil || p.PerMinute != 0 || p.floor(10) != 0 {
		t.Errorf("unlimited plan = %+v, %v", p, err)
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		n     int
		share float64
		want  []int
	}{
		{10, 0.2, []int{0, 5}},
		{10, 0, []int{}},
		{4, 1, []int{0, 1, 2, 3}},
		{3, 0.5, []int{0, 1}},
	}
	for _, tt := range tests {
		got := spread(tt.n, tt.share)
		if len(got) != len(tt.want) {
			t.Errorf("spread(%d, %v) = %v, want %v", tt.n, tt.share, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("spread(%d, %v) = %v, want %v", tt.n, tt.share, got, tt.want)
			}
		}
	}
}
