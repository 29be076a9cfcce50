package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/budget"
)

// redisLoggerOnce routes the Redis client's own messages (dial failures during an outage) into the
// first serving instance's structured log. The client library keeps that logger process-wide.
var redisLoggerOnce sync.Once

// redisLog adapts zap to the Redis client's logger interface.
type redisLog struct{ log *zap.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("redis client", zap.String("detail", fmt.Sprintf(format, v...)))
}

// sharedState is what replicas share through Redis: the Redis client, the store over it (checked in
// the background, so that a Redis that lost its records is refilled), and the heartbeat that counts
// the replicas sharing the tenants' rate budgets.
type sharedState struct {
	client   *redis.Client
	store    *store.Shared
	replicas *budget.Replicas
	stopBeat context.CancelFunc
	beatDone chan struct{}
	// server is set once the proxy exists; callbacks only fire from requests, which come later.
	server *proxy.Server
}

// openRedis connects to the --redis-url. An unreachable Redis does not stop the start: the replica
// serves alone (and says so) until Redis answers.
func openRedis(ctx context.Context, rawURL string, log *zap.Logger) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// The URL may hold a password: it is not repeated.
		return nil, errors.New("--redis-url does not parse; use e.g. rediss://:password@redis.internal:6379/0")
	}
	opts.DialTimeout = time.Second
	opts.ReadTimeout = 500 * time.Millisecond
	opts.WriteTimeout = 500 * time.Millisecond
	opts.PoolTimeout = time.Second
	opts.MaxRetries = 1
	if opts.TLSConfig != nil {
		opts.TLSConfig.MinVersion = max(opts.TLSConfig.MinVersion, tls.VersionTLS12)
	}
	redisLoggerOnce.Do(func() { redis.SetLogger(redisLog{log.Named("redis")}) })
	c := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		log.Warn("Redis does not answer at start; this replica counts rate budgets and keeps records on its own until it does",
			zap.String("redis", opts.Addr), zap.Error(err))
	} else {
		log.Info("sharing rate budgets and records through Redis", zap.String("redis", opts.Addr), zap.Int("db", opts.DB))
	}
	return c, nil
}

// newSharedState wraps the local store with the Redis one and starts this replica's heartbeat, which
// runs until Close.
func newSharedState(ctx context.Context, c *redis.Client, local *store.Bolt, log *zap.Logger) (*sharedState, error) {
	remote, err := store.NewRedis(c, store.RedisOptions{})
	if err != nil {
		return nil, err
	}
	replicas, err := budget.NewReplicas(budget.ReplicasOptions{Client: c})
	if err != nil {
		return nil, err
	}
	s := &sharedState{client: c, replicas: replicas}
	s.store, err = store.NewShared(store.SharedOptions{
		Remote: remote,
		Local:  local,
		OnStateChange: func(shared bool, err error) {
			s.server.SharedStateChanged(proxy.SharedStore, "store", shared, err)
		},
		OnMirrorFailure: func(err error) {
			log.Warn("a record kept in Redis could not be copied to the local store", zap.Error(err))
		},
		OnRestore: func(n int, from, to string, err error) {
			switch {
			case err != nil:
				log.Error("Redis does not hold the records the replicas wrote (it restarted empty, or was flushed or replaced), and this replica could not copy its own back yet; requests that need them are answered 503 until it does",
					zap.Int("records_copied", n), zap.String("generation", to), zap.Error(err))
			case from == "":
				log.Info("this replica's records are in Redis", zap.Int("records_copied", n), zap.String("generation", to))
			default:
				log.Warn("Redis had lost the records the replicas wrote (it restarted empty, or was flushed or replaced); this replica copied its own back, and requests that need records are answered 503 until every replica has",
					zap.Int("records_copied", n), zap.String("generation_before", from), zap.String("generation", to))
			}
		},
	})
	if err != nil {
		return nil, err
	}
	beatCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBeat, s.beatDone = stop, make(chan struct{})
	go func() {
		defer close(s.beatDone)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.store.Run(beatCtx)
		}()
		replicas.Run(beatCtx)
		wg.Wait()
	}()
	return s, nil
}

// Close stops the heartbeat (taking this replica out of the count) and closes the Redis client.
func (s *sharedState) Close() error {
	s.stopBeat()
	<-s.beatDone
	return s.client.Close()
}

// newBudget gives each tenant a rate budget shared through Redis.
func (s *sharedState) newBudget(t *config.Tenant, maxWait time.Duration) budget.Budget {
	b, err := budget.NewRedis(budget.RedisOptions{
		Client:        s.client,
		Tenant:        t.Domain,
		PerMinute:     t.RateLimit.PerMinute,
		ListPerMinute: t.RateLimit.ListPerMinute,
		MaxWait:       maxWait,
		Replicas:      s.replicas,
		OnStateChange: func(shared bool, err error) {
			s.server.SharedStateChanged(proxy.SharedBudget, t.Domain, shared, err)
		},
	})
	if err != nil {
		return nil // the proxy falls back to an in-process budget
	}
	return b
}

// reloadCounter forwards tenant-folder loads to the server's metrics, keeping those that happen
// before the server exists (the initial load).
type reloadCounter struct {
	mu    sync.Mutex
	srv   *proxy.Server
	early []error
}

func (r *reloadCounter) observe(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv == nil {
		r.early = append(r.early, err)
		return
	}
	r.srv.ObserveReload(err)
}

func (r *reloadCounter) attach(srv *proxy.Server) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.srv = srv
	for _, err := range r.early {
		srv.ObserveReload(err)
	}
	r.early = nil
}
