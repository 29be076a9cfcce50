package proxy

import (
	"context"
	"net/http"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
)

// newBudget makes the rate budget of a tenant seen for the first time, counted in the metrics.
func (s *Server) newBudget(t *config.Tenant) freshservice.Budget {
	var b freshservice.Budget
	if s.opts.NewBudget != nil {
		b = s.opts.NewBudget(t, s.opts.BudgetWait)
	}
	if b == nil {
		b = freshservice.NewBudget(t.RateLimit.PerMinute, t.RateLimit.ListPerMinute, s.opts.BudgetWait)
	}
	return meteredBudget{Budget: b, m: s.metrics, tenant: t.Domain}
}

// meteredBudget counts the calls a budget refuses.
type meteredBudget struct {
	freshservice.Budget
	m      *metrics
	tenant string
}

// Limit is the wrapped budget's per-minute limit, 0 when it does not say.
func (b meteredBudget) Limit() int {
	if l, ok := b.Budget.(interface{ Limit() int }); ok {
		return l.Limit()
	}
	return 0
}

func (b meteredBudget) Take(ctx context.Context, list bool) error {
	err := b.Budget.Take(ctx, list)
	if fe, ok := err.(*freshservice.Error); ok && fe.Local && fe.Status == http.StatusTooManyRequests {
		b.m.budgetRefusals.WithLabelValues(b.tenant).Inc()
	}
	return err
}
