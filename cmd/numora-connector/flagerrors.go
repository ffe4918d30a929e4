package main

import (
	"flag"
	"fmt"
	"github.com/numora/numora-connector/internal/suggest"
	"regexp"
	"strings"
	"time"
)

// The flag package's error texts (Go's src/flag/flag.go, FlagSet.parseOne).
var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	reBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]+):`)
)

// flagProblem rewrites a flag parsing error as what is wrong and, where
// it can tell, what was meant.
func flagProblem(fs *flagSet, err error) string {
	msg := err.Error()
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		// The flag package's words, which scripts and tests may match.
		return "flag provided but not defined: --" + m[1] + suggestFlag(fs, m[1])
	}
	if m := reNoValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value (--%s VALUE or --%s=VALUE)", m[1], m[1], m[1])
	}
	if m := reBadValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s %q: want %s", m[2], m[1], flagWants(fs.Lookup(m[2])))
	}
	return msg
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
