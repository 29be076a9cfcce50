package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/fsscim/fsscim/store/record"
)

// PendingCreateLifetime is how long a create that was never seen through is remembered. Entra retries a
// failed create for up to four weeks before it gives up on the object.
const PendingCreateLifetime = 30 * 24 * time.Hour

// PendingCreate is a user create fsscim recorded before it sent it to Freshservice. It is forgotten
// once the create is answered; one that stays means Freshservice may have made the user without
// fsscim learning its id (the answer was lost, or fsscim stopped), so that the client's retry of the
// same create can be led to that user instead of a second one or a 409.
type PendingCreate struct {
	UserName   string    `json:"user_name"`
	Email      string    `json:"email"` // the primary email sent to Freshservice, lower case
	ExternalID string    `json:"external_id,omitempty"`
	RequestID  string    `json:"request_id"`
	Started    time.Time `json:"started"` // taken just before the POST
}

// CreateLog keeps pending creates by tenant (case-insensitive) and email, one per request id.
type CreateLog interface {
	// PutPendingCreate records a create before it is sent.
	PutPendingCreate(ctx context.Context, tenant string, c PendingCreate) error
	// PendingCreates returns the creates recorded for email within PendingCreateLifetime of now,
	// oldest first.
	PendingCreates(ctx context.Context, tenant, email string, now time.Time) ([]PendingCreate, error)
	// DeletePendingCreate forgets one create; forgetting an unknown one is not an error.
	DeletePendingCreate(ctx context.Context, tenant, email, requestID string) error
}

// CreateCompleter is a store that records the user a create made and forgets the pending creates it
// saw through in one write: a create then costs one commit after the POST instead of two.
type CreateCompleter interface {
	CompleteCreate(ctx context.Context, tenant string, id int64, r record.UserRecord, done []PendingCreate) error
}

var bucketCreates = []byte("creates") // one nested bucket per tenant; keys are email, a zero byte, request id

// storedCreate is a pending create as the bbolt store keeps it. Unshared marks one recorded while Redis
// was unusable, for the shared store to copy there.
type storedCreate struct {
	PendingCreate
	Unshared bool `json:"unshared,omitempty"`
}

func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// createKey checks the arguments and returns the record's key and its tenant bucket's name.
func createKey(ctx context.Context, tenant, email, requestID string) (key, bucket []byte, err error) {
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return nil, nil, err
	}
	email = normEmail(email)
	if email == "" || requestID == "" || strings.ContainsRune(email, 0) {
		return nil, nil, errors.New("a pending create needs an email and a request id")
	}
	return append(append([]byte(email), 0), requestID...), tb, nil
}

// PutPendingCreate implements CreateLog.
func (b *Bolt) PutPendingCreate(ctx context.Context, tenant string, c PendingCreate) error {
	return b.putCreate(ctx, tenant, storedCreate{PendingCreate: c})
}

func (b *Bolt) putCreate(ctx context.Context, tenant string, c storedCreate) error {
	c.Email = normEmail(c.Email)
	key, tb, err := createKey(ctx, tenant, c.Email, c.RequestID)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return putRecord(tx.Bucket(bucketCreates), tb, key, c, false) })
	}
	if err != nil {
		return fmt.Errorf("record pending create of %s for %s: %w", c.Email, tenant, err)
	}
	return nil
}

// PendingCreates implements CreateLog.
func (b *Bolt) PendingCreates(ctx context.Context, tenant, email string, now time.Time) ([]PendingCreate, error) {
	stored, err := b.pendingCreates(ctx, tenant, email)
	if err != nil {
		return nil, err
	}
	return liveCreates(stored, now), nil
}

func (b *Bolt) pendingCreates(ctx context.Context, tenant, email string) ([]storedCreate, error) {
	prefix, tb, err := createKey(ctx, tenant, email, "-")
	if err != nil {
		return nil, fmt.Errorf("read pending creates of %s for %s: %w", email, tenant, err)
	}
	prefix = prefix[:len(prefix)-1] // email and the zero byte
	var out []storedCreate
	err = b.view(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketCreates).Bucket(tb)
		if bucket == nil {
			return nil
		}
		c := bucket.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sc storedCreate
			if err := json.Unmarshal(v, &sc); err != nil {
				return corrupt(fmt.Errorf("pending create %q: %w", k, err))
			}
			out = append(out, sc)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pending creates of %s for %s: %w", email, tenant, err)
	}
	return out, nil
}

// liveCreates drops creates older than PendingCreateLifetime and sorts the rest oldest first.
func liveCreates(stored []storedCreate, now time.Time) []PendingCreate {
	var out []PendingCreate
	for _, sc := range stored {
		if now.Sub(sc.Started) < PendingCreateLifetime {
			out = append(out, sc.PendingCreate)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// CompleteCreate implements CreateCompleter.
func (b *Bolt) CompleteCreate(ctx context.Context, tenant string, id int64, r record.UserRecord, done []PendingCreate) error {
	key, tb, err := recordKey(ctx, tenant, id)
	keys := make([][]byte, 0, len(done))
	for _, c := range done {
		if err != nil {
			break
		}
		var k []byte
		k, _, err = createKey(ctx, tenant, c.Email, c.RequestID)
		keys = append(keys, k)
	}
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error {
			if err := write(tx, tb, key, r); err != nil {
				return err
			}
			for _, k := range keys {
				if err := deleteRecord(tx.Bucket(bucketCreates), tb, k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("record new user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// DeletePendingCreate implements CreateLog.
func (b *Bolt) DeletePendingCreate(ctx context.Context, tenant, email, requestID string) error {
	key, tb, err := createKey(ctx, tenant, email, requestID)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return deleteRecord(tx.Bucket(bucketCreates), tb, key) })
	}
	if err != nil {
		return fmt.Errorf("forget pending create of %s for %s: %w", email, tenant, err)
	}
	return nil
}
