package config

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadDir reads every tenant file (*.yaml, *.yml; names starting with '.' are skipped) in dir and
// checks it under the server's rules opts. The set holds every valid tenant even when the error is
// not nil: the error joins one *FileError per problem in any file. When two files name the same
// domain, the first by file name is kept and the other reported. LoadDir fails with a nil set only
// when the folder cannot be read.
func LoadDir(dir string, opts LoadOptions) (*TenantSet, error) {
	res, err := newTenantDir(dir, opts).scan()
	if err != nil {
		return nil, err
	}
	return res.set, res.problems
}

// tenantDir keeps, per file of a tenants folder, the last version that loaded and why the current one
// does not, so a reload can keep serving the last good version of a broken file.
type tenantDir struct {
	dir   string
	opts  LoadOptions
	files map[string]*fileState // by file name
	seq   uint64
}

type fileState struct {
	sum         [sha256.Size]byte // of the content last read
	declared    string            // the domain the content last read names, normalised; "" when it names none
	good        *Tenant           // last version that loaded; kept while the file is broken
	since       uint64            // when this file first loaded; the earlier file keeps a shared domain
	served      *Tenant           // what the set holds from this file; nil for nothing
	problem     error             // why the current content is not served; nil when it is
	problemText string
	// revocation is what the current content says about tokens_not_before, applied to good while
	// the content is not served; held is good with it applied, kept while neither changes.
	revocation revocation
	held       *Tenant
	heldOf     *Tenant
	heldRev    revocation
}

// keptVersion is what the file serves while its current content cannot be: its last good version,
// refusing whatever the current content revokes.
func (st *fileState) keptVersion() *Tenant {
	if !st.revocation.tightens(st.good) {
		return st.good
	}
	if st.held == nil || st.heldOf != st.good || !st.heldRev.same(st.revocation) {
		st.held, st.heldOf, st.heldRev = st.revocation.apply(st.good), st.good, st.revocation
	}
	return st.held
}

// changeKind says what a scan did to one file.
type changeKind int

const (
	fileLoaded     changeKind = iota // a tenant is served from a file that served none
	fileUpdated                      // the file's tenant was replaced by a new version
	fileRemoved                      // the file is gone, and its tenant with it
	fileRejected                     // the file has a new problem; see kept
	fileRevocation                   // the rejected content's tokens_not_before changed what is refused
)

type fileChange struct {
	file       string
	kind       changeKind
	domain     string
	err        error
	kept       bool       // for fileRejected: a version of the file is still served
	revocation revocation // for fileRevocation: what the rejected content revokes now
}

type scanResult struct {
	files    []FileStatus // every present file, by name
	set      *TenantSet
	problems error // every current problem, joined; nil when every file is served as written
	changes  []fileChange
}

func newTenantDir(dir string, opts LoadOptions) *tenantDir {
	return &tenantDir{dir: dir, opts: opts, files: map[string]*fileState{}}
}

// candidate is what one present file offers in this scan.
type candidate struct {
	name  string
	st    *fileState
	fresh *Tenant // a new version that parsed and validated, not yet checked against other files
	data  []byte
}

// scan reads the folder and brings every file's state up to date. Only an unreadable folder is an
// error; the state is left as it was then.
func (d *tenantDir) scan() (scanResult, error) {
	names, err := listTenantFiles(d.dir)
	if err != nil {
		return scanResult{}, fmt.Errorf("read tenants folder %s: %w", d.dir, err)
	}
	before := make(map[string]*Tenant, len(d.files))
	for name, st := range d.files {
		before[name] = st.served
	}

	var res scanResult
	present := make(map[string]bool, len(names))
	cands := make([]*candidate, 0, len(names))
	for _, name := range names {
		present[name] = true
		st := d.files[name]
		if st == nil {
			st = &fileState{}
			d.files[name] = st
		}
		cands = append(cands, d.read(name, st))
	}
	for name, st := range d.files {
		if !present[name] {
			if st.served != nil {
				res.changes = append(res.changes, fileChange{file: name, kind: fileRemoved, domain: st.served.Domain})
			}
			delete(d.files, name)
		}
	}

	d.resolveDomains(cands)

	var served []*Tenant
	var problems []error
	for _, c := range cands {
		st := c.st
		if st.served != nil {
			served = append(served, st.served)
		}
		old := before[c.name]
		switch {
		case old == nil && st.served != nil:
			res.changes = append(res.changes, fileChange{file: c.name, kind: fileLoaded, domain: st.served.Domain})
		case old != nil && st.served != nil && old != st.served && st.served == c.fresh:
			res.changes = append(res.changes, fileChange{file: c.name, kind: fileUpdated, domain: st.served.Domain})
		case old != nil && st.served != nil && old != st.served:
			// Still the last good version, now refusing more or less of what the rejected content revokes.
			res.changes = append(res.changes, fileChange{file: c.name, kind: fileRevocation, domain: st.served.Domain,
				revocation: st.revocation})
		}
		res.files = append(res.files, st.status(c.name))
		if st.problem == nil {
			st.problemText = ""
			continue
		}
		problems = append(problems, st.problem)
		if text := st.problem.Error(); text != st.problemText || (old != nil) != (st.served != nil) {
			st.problemText = text
			ch := fileChange{file: c.name, kind: fileRejected, err: st.problem, kept: st.served != nil}
			if st.served != nil {
				ch.domain = st.served.Domain
			}
			res.changes = append(res.changes, ch)
		}
	}
	sort.Slice(res.changes, func(i, j int) bool { return res.changes[i].file < res.changes[j].file })
	res.set = newTenantSet(served)
	res.problems = errors.Join(problems...)
	return res, nil
}

// read parses a file whose content changed or that had a problem last time (another file may since
// have released the domain it wants, or its error may have been fixed).
func (d *tenantDir) read(name string, st *fileState) *candidate {
	c := &candidate{name: name, st: st}
	path := filepath.Join(d.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		st.problem = &FileError{File: name, Problem: fmt.Sprintf("cannot be read (%v); check that it is a readable file", err)}
		return c
	}
	sum := sha256.Sum256(data)
	if sum == st.sum && st.problem == nil && st.good != nil {
		return c
	}
	st.sum = sum
	st.declared = declaredDomain(data)
	st.revocation = readRevocation(data)
	t, err := parseTenant(name, path, data, d.opts)
	if err != nil {
		st.problem = err
		return c
	}
	c.fresh, c.data = t, data
	return c
}

// resolveDomains decides what each file serves. A domain belongs to the file that served it first
// (by file name among files loaded together); a new version that takes a domain another file serves
// is refused and the file keeps its last good version when that is still free.
func (d *tenantDir) resolveDomains(cands []*candidate) {
	order := append([]*candidate(nil), cands...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i].st, order[j].st
		if (a.good != nil) != (b.good != nil) {
			return a.good != nil
		}
		if a.since != b.since {
			return a.since < b.since
		}
		return order[i].name < order[j].name
	})
	owner := map[string]string{} // domain -> file name
	for _, c := range order {
		st := c.st
		st.served = nil
		if c.fresh != nil {
			if other, taken := owner[c.fresh.Domain]; taken {
				st.problem = &FileError{File: c.name, Line: domainLine(c.data), Key: "domain",
					Problem: fmt.Sprintf("%s is already served from %s; each tenant needs exactly one file: "+
						"delete one of the two files or correct its domain", c.fresh.Domain, other)}
			} else {
				st.good, st.served, st.problem = c.fresh, c.fresh, nil
				if st.since == 0 {
					d.seq++
					st.since = d.seq
				}
			}
		}
		if st.served == nil && st.good != nil {
			if _, taken := owner[st.good.Domain]; !taken {
				st.served = st.keptVersion()
			}
		}
		if st.served != nil {
			owner[st.served.Domain] = c.name
		}
	}
}

// FileStatus is one tenant file's state after the latest load of the folder.
type FileStatus struct {
	// File is the file's name within the tenants folder.
	File string
	// Domain is the domain the file serves, or, when it serves none, the one its content names ("" when
	// it names none that can be read).
	Domain string
	// Served: a version of the file serves its tenant, the content on disk or its last good version.
	Served bool
	// Problem is why the content on disk is not served; "" when it is.
	Problem string
}

func (st *fileState) status(name string) FileStatus {
	fs := FileStatus{File: name, Domain: st.declared, Served: st.served != nil}
	if st.served != nil {
		fs.Domain = st.served.Domain
	}
	if st.problem != nil {
		fs.Problem = st.problem.Error()
	}
	return fs
}

// declaredDomain is the domain a tenant file's content names, normalised; "" when it names none that
// can be read (the file's own problem says why).
func declaredDomain(data []byte) string {
	var doc struct {
		Domain string `yaml:"domain"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return ""
	}
	d, err := NormaliseDomain(doc.Domain)
	if err != nil {
		return ""
	}
	return d
}

func domainLine(data []byte) int {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return 0
	}
	return indexYAML(&root).line("domain")
}

// listTenantFiles names the tenant files of a folder, sorted. Names starting with '.' are skipped:
// editors' lock and swap files, and the "..data" links of mounted Kubernetes ConfigMaps.
func listTenantFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		// Stat follows symbolic links; a dangling link is kept so that reading it reports the problem.
		if info, err := os.Stat(filepath.Join(dir, name)); err == nil && info.IsDir() {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}
