package config

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseTenant decodes and validates one tenant file under the server's rules. name is the file's name
// used in messages, path becomes Tenant.File. The error joins one *FileError per problem, all of them,
// not only the first.
func parseTenant(name, path string, data []byte, opts LoadOptions) (*Tenant, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if fe := syntaxProblem(name, data, err); fe != nil {
			return nil, fe
		}
		return nil, errors.Join(translateDecodeError(name, err, nil)...)
	}
	ix := indexYAML(&root)

	var f tenantFile
	var problems []error
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	var typeErr *yaml.TypeError
	switch {
	case errors.Is(err, io.EOF):
		return nil, &FileError{File: name,
			Problem: "the file is empty; write at least domain: <account>.freshservice.com"}
	case errors.As(err, &typeErr):
		// yaml.v3 decodes what it can around type errors, so the rest of the file is still checked.
		problems = translateDecodeError(name, err, ix)
	case err != nil:
		return nil, errors.Join(translateDecodeError(name, err, ix)...)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &FileError{File: name, Line: extra.Line,
			Problem: "holds more than one YAML document; keep one tenant per file and remove the '---'"}
	}

	f.withDefaults()
	c := &fileChecker{file: name, index: ix, opts: opts}
	t := c.tenant(&f)
	problems = append(problems, withoutEchoes(c.errs, problems)...)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	t.File = path
	return t, nil
}

// withoutEchoes drops validation problems under a key the decoder had to leave empty: they repeat a
// decoding problem (a number written as text would be reported again as missing).
func withoutEchoes(checked, decoding []error) []error {
	var undecoded []string
	for _, err := range decoding {
		if fe, ok := err.(*FileError); ok && fe.undecoded != nil {
			undecoded = append(undecoded, *fe.undecoded)
		}
	}
	var out []error
next:
	for _, err := range checked {
		if fe, ok := err.(*FileError); ok {
			for _, u := range undecoded {
				if u == "" || fe.Key == u || strings.HasPrefix(fe.Key, u+".") || strings.HasPrefix(fe.Key, u+"[") {
					continue next
				}
			}
		}
		out = append(out, err)
	}
	return out
}
