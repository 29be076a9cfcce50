package freshservice

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/fsscim/fsscim/freshservice/egress"
)

// Defaults applied by New when an Options field is zero.
const (
	DefaultTimeout       = 20 * time.Second
	DefaultMaxGetRetries = 2
	DefaultUserAgent     = "fsscim"
	// DefaultMaxRetryWait bounds how long a GET waits out a Retry-After or a backoff before its retry
	// when the context carries no earlier deadline.
	DefaultMaxRetryWait = 10 * time.Second
)

// maxResponseBytes bounds what one answer may hold. A page of 100 users with custom fields is far
// below this; anything larger is not a Freshservice answer.
const maxResponseBytes = 32 << 20

// Options configures a Client. Only BaseURL and APIKey are required.
type Options struct {
	BaseURL string // https://<domain>/api/v2
	APIKey  string // sent as Basic auth "<key>:X"; never logged, never in an error string
	Timeout time.Duration
	// Limiter paces the calls (the tenant's rate budget); nil: the client does not pace itself.
	Limiter Limiter
	// Observer is called after every HTTP attempt (metrics, tests); it must be quick and may be nil.
	Observer func(CallInfo)
	// MaxGetRetries is how often a GET is retried on 5xx or a connection error: 0 means the default
	// (2), a negative value disables retries.
	MaxGetRetries int
	// Backoff is the wait before retry number attempt (1-based); nil means exponential from 200ms,
	// capped at 2s. Tests pass a function returning zero.
	Backoff func(attempt int) time.Duration
	// MaxRetryWait bounds a single wait before a GET retry (Retry-After or backoff) when the context
	// allows more; 0 means DefaultMaxRetryWait.
	MaxRetryWait time.Duration
	UserAgent    string            // default "fsscim"
	Transport    http.RoundTripper // optional; default a pooled http.Transport
}

// Client calls one Freshservice account's v2 API with one API key. It is safe for concurrent use.
type Client struct {
	http         *resty.Client
	base         *url.URL // scheme, host and path prefix; carries no credentials
	key          string
	secrets      []string // the key's forms, masked in errors
	limiter      Limiter
	observer     func(CallInfo)
	maxRetries   int
	backoff      func(int) time.Duration
	maxRetryWait time.Duration
	timeout      time.Duration
}

// New builds a Client. It checks the options but makes no call; see CheckKey.
func New(opts Options) (*Client, error) {
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.APIKey) == "" {
		return nil, errors.New("freshservice: API key is empty")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	switch {
	case opts.MaxGetRetries == 0:
		opts.MaxGetRetries = DefaultMaxGetRetries
	case opts.MaxGetRetries < 0:
		opts.MaxGetRetries = 0
	}
	if opts.Backoff == nil {
		opts.Backoff = defaultBackoff
	}
	if opts.MaxRetryWait <= 0 {
		opts.MaxRetryWait = DefaultMaxRetryWait
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Limiter == nil {
		opts.Limiter = noLimit{}
	}
	transport := opts.Transport
	if transport == nil {
		transport = NewTransport(TransportOptions{})
	}

	hc := &http.Client{
		Transport: transport,
		// An API answer is never a redirect; following one could carry the key to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	rc := resty.NewWithClient(hc).
		SetLogger(silentLogger{}). // resty would otherwise print transport errors to stderr
		SetDisableWarn(true).
		SetBaseURL(strings.TrimSuffix(base.String(), "/")).
		SetBasicAuth(opts.APIKey, "X").
		SetHeader("User-Agent", opts.UserAgent).
		SetHeader("Accept", "application/json").
		SetHeader("Content-Type", "application/json").
		SetResponseBodyLimit(maxResponseBytes)

	return &Client{
		http:         rc,
		base:         base,
		key:          opts.APIKey,
		secrets:      secretForms(opts.APIKey),
		limiter:      opts.Limiter,
		observer:     opts.Observer,
		maxRetries:   opts.MaxGetRetries,
		backoff:      opts.Backoff,
		maxRetryWait: opts.MaxRetryWait,
		timeout:      opts.Timeout,
	}, nil
}

// parseBaseURL accepts http(s)://host[:port]/path with no credentials, query or fragment. The
// messages never echo the URL: a mistyped one could hold a secret.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("freshservice: base URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("freshservice: base URL does not parse")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("freshservice: base URL scheme %q is not http or https", u.Scheme)
	case u.Host == "":
		return nil, errors.New("freshservice: base URL has no host")
	case u.User != nil:
		return nil, errors.New("freshservice: base URL must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("freshservice: base URL must not carry a query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func defaultBackoff(attempt int) time.Duration {
	d := 200 * time.Millisecond
	for i := 1; i < attempt && d < 2*time.Second; i++ {
		d *= 2
	}
	return min(d, 2*time.Second)
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		// The API key must never reach a cloud metadata service, even through a name resolving to one.
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: egress.Control}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// silentLogger drops resty's own log lines; the client reports every outcome through its errors and
// the Observer instead.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}
