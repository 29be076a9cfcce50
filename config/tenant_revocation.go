package config

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A tenant file rejected for any reason keeps serving its last good version; but revocation must not
// fail open. The tokens_not_before of the rejected content is therefore read on its own: a later
// cut-off applies at once, and one that does not parse refuses every token of the tenant until the
// file is fixed, since the cut-off meant is unknown.

// revocation is what a tenant file's current content says about tokens_not_before.
type revocation struct {
	unreadable bool      // written, but not as an RFC 3339 time
	notBefore  time.Time // the latest cut-off written; zero when none
}

// same reports whether r and o refuse the same tokens. Times are compared as instants: the same text
// parsed twice may carry two copies of a time zone.
func (r revocation) same(o revocation) bool {
	return r.unreadable == o.unreadable && r.notBefore.Equal(o.notBefore)
}

// tightens reports whether r refuses tokens that t allows.
func (r revocation) tightens(t *Tenant) bool {
	return r.unreadable || (!r.notBefore.IsZero() && r.notBefore.Unix() > t.TokensNotBefore.Unix())
}

// apply returns a copy of good that refuses what r refuses.
func (r revocation) apply(good *Tenant) *Tenant {
	held := *good
	if r.unreadable {
		held.TokensRefused = true
	} else {
		held.TokensNotBefore = r.notBefore
	}
	return &held
}

// reTokensNotBeforeLine finds the key in text that is not valid YAML.
var reTokensNotBeforeLine = regexp.MustCompile(`(?m)^[ \t-]*["']?tokens_not_before["']?[ \t]*:(.*)$`)

// readRevocation reads every tokens_not_before in data, wherever it is written (a mis-indented key
// still says the author meant to revoke), from every YAML document; from text that is not YAML it
// reads the lines that set the key.
func readRevocation(data []byte) revocation {
	var values []string
	unreadable := false
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return revocationFromLines(data)
		}
		walkKeys(&doc, func(key, value *yaml.Node) {
			if key.Value != "tokens_not_before" {
				return
			}
			if value.Kind != yaml.ScalarNode {
				unreadable = true
				return
			}
			values = append(values, value.Value)
		})
	}
	r := revocationOf(values)
	r.unreadable = r.unreadable || unreadable
	return r
}

func revocationFromLines(data []byte) revocation {
	var values []string
	for _, m := range reTokensNotBeforeLine.FindAllSubmatch(data, -1) {
		v := string(m[1])
		if i := strings.Index(v, " #"); i >= 0 {
			v = v[:i]
		}
		values = append(values, strings.Trim(strings.TrimSpace(v), `"'`))
	}
	return revocationOf(values)
}

// revocationOf reads the written values: an empty one sets no cut-off, as in a valid file.
func revocationOf(values []string) revocation {
	var r revocation
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
		if err != nil {
			r.unreadable = true
			continue
		}
		if t.After(r.notBefore) {
			r.notBefore = t.UTC()
		}
	}
	return r
}

// walkKeys calls fn for every key of every mapping under n.
func walkKeys(n *yaml.Node, fn func(key, value *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walkKeys(c, fn)
	}
}
