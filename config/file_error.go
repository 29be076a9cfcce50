package config

import (
	"errors"
	"fmt"
	"strings"
)

// FileError is one problem found in one tenant file. Its message names the file, the line when known,
// the key, what is wrong and how to fix it, for example
//
//	acme.yaml:7: users.on_delete: "remove" is not allowed; use deactivate or forget
type FileError struct {
	// File is the file's name within the tenants folder.
	File string
	// Line is 1-based; 0 when the problem has no single line (a missing key, an unreadable file).
	Line int
	// Key is the dotted path of the key, e.g. "users.agent_defaults.roles[0].role_id"; empty for
	// problems with the file as a whole.
	Key string
	// Problem says what is wrong and what to do about it.
	Problem string

	// undecoded is the key whose value the decoder had to leave empty because of this problem ("" for
	// the whole file); validation problems under it are echoes of this one.
	undecoded *string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// FileErrors splits an error from LoadDir or a watcher (one joined error, possibly nested) into its
// *FileError parts and whatever else it holds, each in the order joined.
func FileErrors(err error) (files []*FileError, others []error) {
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *FileError
		if errors.As(err, &fe) {
			files = append(files, fe)
		} else {
			others = append(others, err)
		}
	}
	if err != nil {
		walk(err)
	}
	return files, others
}
