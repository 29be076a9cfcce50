package proxy

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// maxCounterLabels is the most labels a tenantCounters has.
const maxCounterLabels = 4

// counterKey is one child's label values; unused trailing entries stay empty.
type counterKey [maxCounterLabels]string

// tenantCounters is a counter vector for the counters labelled by tenant. It keeps each child as a
// number under its label values and writes them to the scrape as constant metrics: a client library
// CounterVec child costs about 800 bytes (label pairs, a created timestamp, the metric itself), which
// ten thousand tenants, each with a few endpoints and statuses, multiply into megabytes. The scrape
// looks the same.
type tenantCounters struct {
	desc   *prometheus.Desc
	labels int

	mu     sync.RWMutex
	counts map[counterKey]*atomic.Uint64
}

var _ prometheus.Collector = (*tenantCounters)(nil)

func newTenantCounters(name, help string, labels ...string) *tenantCounters {
	if len(labels) > maxCounterLabels {
		panic("proxy: too many labels for tenantCounters " + name)
	}
	return &tenantCounters{desc: prometheus.NewDesc(name, help, labels, nil), labels: len(labels),
		counts: map[counterKey]*atomic.Uint64{}}
}

// inc adds one to the child with these label values, in the order the labels were declared.
func (c *tenantCounters) inc(values ...string) {
	var k counterKey
	copy(k[:], values)
	c.mu.RLock()
	n, ok := c.counts[k]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		if n, ok = c.counts[k]; !ok {
			n = new(atomic.Uint64)
			c.counts[k] = n
		}
		c.mu.Unlock()
	}
	n.Add(1)
}

func (c *tenantCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *tenantCounters) Collect(ch chan<- prometheus.Metric) {
	type child struct {
		key counterKey
		n   uint64
	}
	// Copied under the lock and sent after it: a slow scrape must not hold up new children.
	c.mu.RLock()
	all := make([]child, 0, len(c.counts))
	for k, n := range c.counts {
		all = append(all, child{k, n.Load()})
	}
	c.mu.RUnlock()
	for _, one := range all {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(one.n), one.key[:c.labels]...)
	}
}

// tenantGauge is a gauge by tenant whose values are read at scrape time, so nothing is kept per
// tenant between scrapes.
type tenantGauge struct{ desc *prometheus.Desc }

func newTenantGauge(name, help string) tenantGauge {
	return tenantGauge{desc: prometheus.NewDesc(name, help, []string{"tenant"}, nil)}
}

// value is the gauge's sample for one tenant.
func (g tenantGauge) value(v float64, tenant string) prometheus.Metric {
	return prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, tenant)
}
