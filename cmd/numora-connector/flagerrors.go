package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/numora/numora-connector/internal/suggest"
)

// flagMistake checks args as flag.Parse reads them and returns the first
// mistake it would refuse, said as what is wrong and, where it can tell,
// what was meant; "" when there is none. Checking before parsing, rather
// than reading the flag package's error text, keeps the messages ours.
func flagMistake(fs *flagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if len(arg) < 2 || arg[0] != '-' || arg == "--" {
			return "" // the flags end here; flag.Parse stops too
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		f := fs.Lookup(name)
		switch {
		case name == "h" || name == "help":
			return "" // flag.Parse answers ErrHelp
		case f == nil:
			// The flag package's words, which scripts and tests may match.
			return "flag provided but not defined: --" + name + suggestFlag(fs, name)
		case isBool(f) && !hasValue:
			continue
		case !hasValue && i+1 == len(args):
			return fmt.Sprintf("--%s needs a value (--%s VALUE or --%s=VALUE)", name, name, name)
		case !hasValue:
			i++
			value = args[i]
		}
		if !validFlagValue(f, value) {
			return fmt.Sprintf("--%s %q: want %s", name, value, flagWants(f))
		}
	}
	return ""
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// validFlagValue reports whether f takes v, by its value's type.
func validFlagValue(f *flag.Flag, v string) bool {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return true
	}
	var err error
	switch g.Get().(type) {
	case time.Duration:
		_, err = time.ParseDuration(v)
	case int:
		_, err = strconv.Atoi(v)
	case bool:
		_, err = strconv.ParseBool(v)
	}
	return err == nil
}

// flagWants describes the values a flag takes.
func flagWants(f *flag.Flag) string {
	if f == nil {
		return "another value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "another value"
	}
	switch g.Get().(type) {
	case time.Duration:
		return "a duration such as 30s, 5m or 1h"
	case int, int64, uint, uint64:
		return "a whole number"
	case bool:
		return "true or false (or the flag alone)"
	}
	return "another value"
}

// suggestFlag returns ` (did you mean --x?)` for a near miss, or "".
func suggestFlag(fs *flagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if s := suggest.Closest(name, names); s != "" {
		return " (did you mean --" + s + "?)"
	}
	return ""
}

// unexpectedArg explains an argument where only flags are taken (the flag
// package also stops at it, so flags after it were not read).
func unexpectedArg(fs *flagSet, arg string) string {
	hint := fmt.Sprintf("%s takes flags only", fs.Name())
	switch {
	case fs.Lookup("result") != nil && strings.HasSuffix(arg, ".json"):
		hint += fmt.Sprintf(" (did you mean --result %s?)", arg)
	case fs.Lookup(strings.TrimLeft(arg, "-")) != nil:
		hint += fmt.Sprintf(" (did you mean --%s?)", strings.TrimLeft(arg, "-"))
	default:
		hint += "; flags after it were not read"
	}
	return fmt.Sprintf("unexpected argument %q: %s", arg, hint)
}

// errorText is err's text, "" for nil and flag.ErrHelp.
func errorText(err error) string {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ""
	}
	return err.Error()
}
