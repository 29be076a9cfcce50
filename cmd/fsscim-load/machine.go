package main

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// machine describes where a run was measured.
type machine struct {
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	MemoryMiB  uint64 `json:"memory_mib"`
	OS         string `json:"os"`
	Kernel     string `json:"kernel,omitempty"`
	Go         string `json:"go"`
	// LoadAverage is the 1-, 5- and 15-minute load when the run started: other work on the machine
	// shows here and makes the figures worse.
	LoadAverage string `json:"load_average,omitempty"`
}

func describeMachine() machine {
	m := machine{
		CPU:        firstProcLine("/proc/cpuinfo", "model name"),
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS:         runtime.GOOS + "/" + runtime.GOARCH,
		Go:         runtime.Version(),
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(la)); len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	if k, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(k))
	}
	if total := firstProcLine("/proc/meminfo", "MemTotal"); total != "" {
		var kb uint64
		for _, c := range total {
			if c >= '0' && c <= '9' {
				kb = kb*10 + uint64(c-'0')
			}
		}
		m.MemoryMiB = kb / 1024
	}
	if m.CPU == "" {
		m.CPU = "unknown"
	}
	return m
}

// firstProcLine returns the value of the first "name: value" line called name in a /proc file.
func firstProcLine(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
