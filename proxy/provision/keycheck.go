package provision

import (
	"context"
	"net/http"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
)

// keyCheckCallTimeout bounds each of the key check's calls to Freshservice.
const keyCheckCallTimeout = 15 * time.Second

// CheckKey asks Freshservice, at the tenant's API address, whether apiKey works and whether its
// owner is an account admin (fsscim manages agents and groups, which needs one). A nil transport
// uses a pooled one of its own. `token issue --verify` and the enrollment page both ask this.
func CheckKey(ctx context.Context, t *config.Tenant, apiKey string, transport http.RoundTripper) (freshservice.KeyAccess, error) {
	c, err := freshservice.New(freshservice.Options{BaseURL: t.BaseURL(), APIKey: apiKey, Timeout: keyCheckCallTimeout, Transport: transport})
	if err != nil {
		return freshservice.KeyAccess{}, err
	}
	return c.CheckAccess(ctx)
}
