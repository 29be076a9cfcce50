package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/proxy/status"
)

// dayTotals adds up a tenant's last 24 hours.
type dayTotals struct {
	Creates, Updates, Disables, Deletes, Errors int
}

func totals(hours []status.Hour) dayTotals {
	var t dayTotals
	for _, h := range hours {
		t.Creates += h.Creates
		t.Updates += h.Updates
		t.Disables += h.Disables
		t.Deletes += h.Deletes
		t.Errors += h.Errors
	}
	return t
}

// barChart is the geometry of the 24 h counts, drawn as SVG by the template. Colours are SVG
// attributes, not styles, which the Content-Security-Policy would refuse inline; each differs from
// the white ground by at least 3:1, as WCAG asks of graphics.
type barChart struct {
	Width, Height int
	Label         string
	Bars          []bar
}

type bar struct {
	Name          string
	Count         int
	X, Y, W, H    int
	Fill          string
	TextX, ValueY int
	NameY         int
}

const (
	chartWidth  = 400
	chartHeight = 170
	chartTop    = 22 // room for the value above the tallest bar
	chartBottom = 26 // room for the names under the bars
)

func newBarChart(t dayTotals) barChart {
	series := []struct {
		name  string
		count int
		fill  string
	}{
		{"creates", t.Creates, "#1a7f37"},
		{"updates", t.Updates, "#0550ae"},
		{"disables", t.Disables, "#8a5a00"},
		{"deletes", t.Deletes, "#6639ba"},
		{"errors", t.Errors, "#c21f2c"},
	}
	top := 0
	for _, s := range series {
		top = max(top, s.count)
	}
	slot := chartWidth / len(series)
	plot := chartHeight - chartTop - chartBottom
	c := barChart{Width: chartWidth, Height: chartHeight}
	var label []string
	for i, s := range series {
		h := 0
		if top > 0 {
			h = s.count * plot / top
		}
		if s.count > 0 && h < 2 {
			h = 2 // a count is never drawn as nothing
		}
		x := i*slot + slot/5
		y := chartTop + plot - h
		c.Bars = append(c.Bars, bar{Name: s.name, Count: s.count, X: x, Y: y, W: slot * 3 / 5, H: h, Fill: s.fill,
			TextX: i*slot + slot/2, ValueY: y - 6, NameY: chartHeight - 8})
		label = append(label, fmt.Sprintf("%d %s", s.count, s.name))
	}
	c.Label = "Last 24 hours: " + strings.Join(label, ", ")
	return c
}

// sparkline is the console's line of writes an hour over the last 24 hours.
type sparkline struct {
	Width, Height int
	Points        string
	Label         string
}

func newSparkline(hours []status.Hour) sparkline {
	const w, h, pad = 120, 28, 2
	s := sparkline{Width: w, Height: h}
	if len(hours) == 0 {
		s.Label = "no activity recorded"
		return s
	}
	writes := make([]int, len(hours))
	top, sum, errs := 0, 0, 0
	for i, hr := range hours {
		writes[i] = hr.Creates + hr.Updates + hr.Disables + hr.Deletes
		top = max(top, writes[i])
		sum += writes[i]
		errs += hr.Errors
	}
	var pts []string
	for i, n := range writes {
		x := pad
		if len(writes) > 1 {
			x = pad + i*(w-2*pad)/(len(writes)-1)
		}
		y := h - pad
		if top > 0 {
			y = h - pad - n*(h-2*pad)/top
		}
		pts = append(pts, strconv.Itoa(x)+","+strconv.Itoa(y))
	}
	s.Points = strings.Join(pts, " ")
	s.Label = fmt.Sprintf("%d writes and %d errors in the last 24 hours", sum, errs)
	return s
}
