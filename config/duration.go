package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDays reads a duration written as Go writes one (36h, 90m) or as a whole number of days
// (30d), the unit retention periods are thought in.
func ParseDays(raw string) (time.Duration, error) {
	raw = strings.TrimSpace(raw)
	if days, ok := strings.CutSuffix(raw, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days; write e.g. 30d", raw)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write e.g. 30d or 36h", raw)
	}
	return d, nil
}

// Bounds of an audit trail's retention: at least a day, so that yesterday's question can be
// answered, and at most ten years.
const (
	MinAuditRetention = 24 * time.Hour
	MaxAuditRetention = 3650 * 24 * time.Hour
)

// ParseAuditRetention reads an audit trail's retention (e.g. 90d) and checks its bounds.
func ParseAuditRetention(raw string) (time.Duration, error) {
	d, err := ParseDays(raw)
	if err != nil {
		return 0, err
	}
	if d < MinAuditRetention || d > MaxAuditRetention {
		return 0, fmt.Errorf("%s is outside 1d to 3650d", raw)
	}
	return d, nil
}
