package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// envFlags is a command's flag set in which every flag can also be set by an FSSCIM_* environment
// variable, named in --help. A flag given on the command line wins over its variable; an empty
// variable counts as unset. (serve's own settings do the same through config.Settings.)
type envFlags struct {
	*flag.FlagSet
	envs map[string]string // flag name -> variable
}

func newEnvFlags(name string, stderr io.Writer) *envFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &envFlags{FlagSet: fs, envs: map[string]string{}}
}

func (f *envFlags) note(name, env, usage string) string {
	f.envs[name] = env
	return usage + " (env " + env + ")"
}

func (f *envFlags) String(name, env, def, usage string) *string {
	return f.FlagSet.String(name, def, f.note(name, env, usage))
}

func (f *envFlags) Bool(name, env, usage string) *bool {
	return f.FlagSet.Bool(name, false, f.note(name, env, usage))
}

func (f *envFlags) Int(name, env string, def int, usage string) *int {
	return f.FlagSet.Int(name, def, f.note(name, env, usage))
}

func (f *envFlags) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	return f.FlagSet.Duration(name, def, f.note(name, env, usage))
}

// parse reads the command line, then every variable whose flag was not given. It returns
// flag.ErrHelp for --help, and an error naming the variable when one does not parse.
func (f *envFlags) parse(args []string, getenv func(string) string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	names := slices.Sorted(maps.Keys(f.envs))
	var errs []error
	for _, name := range names {
		env := f.envs[name]
		v := getenv(env)
		if v == "" || given[name] {
			continue
		}
		if err := f.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a valid value for --%s", env, v, name))
		}
	}
	if len(errs) > 0 {
		return envError{errors.Join(errs...)}
	}
	return nil
}

// envError is a variable that does not parse; flag errors are printed by the flag package itself.
type envError struct{ error }

// parseOrExit parses and turns the outcome into an exit code: -1 to go on, 0 after --help, 2 after
// a usage error (already printed).
func (f *envFlags) parseOrExit(args []string, getenv func(string) string, stderr io.Writer) int {
	err := f.parse(args, getenv)
	var ee envError
	switch {
	case err == nil:
		return -1
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "%s: %v\n", f.Name(), ee.error)
	}
	return 2
}
