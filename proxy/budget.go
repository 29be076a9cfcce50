package proxy

import (
	"context"
	"errors"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/status"
	"github.com/fsscim/fsscim/store/budget"
)

// newBudget makes the rate budget of a tenant seen for the first time, counted in the metrics.
func (s *Server) newBudget(t *config.Tenant) budget.Budget {
	var b budget.Budget
	if s.opts.NewBudget != nil {
		b = s.opts.NewBudget(t, s.opts.BudgetWait)
	}
	if b == nil {
		b = budget.New(budget.Options{PerMinute: t.RateLimit.PerMinute, ListPerMinute: t.RateLimit.ListPerMinute,
			MaxWait: s.opts.BudgetWait, Now: s.opts.Now})
	}
	return meteredBudget{Budget: b, m: s.metrics, trackers: s.trackers, tenant: t.Domain}
}

// meteredBudget counts the calls a budget refuses, in the metrics and the tenant's status.
type meteredBudget struct {
	budget.Budget
	m        *metrics
	trackers *status.Trackers
	tenant   string
}

func (b meteredBudget) Take(ctx context.Context, list bool) error {
	err := b.Budget.Take(ctx, list)
	var refused *freshservice.LimitError
	if errors.As(err, &refused) {
		b.m.budgetRefusals.inc(b.tenant)
		b.trackers.Of(b.tenant).Refused()
	}
	return err
}
