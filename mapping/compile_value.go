package mapping

import (
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

var (
	valueKeys = []string{"from", "const", "expr", "type", "formats", "transform", "max_length", "truncate",
		"precision", "choices", "decimal_separator", "timezone", "default", "required", "omit_empty",
		"min_confidence", "require_confirmed"}
	typeNames = []string{string(TypeString), string(TypeInt), string(TypeDecimal), string(TypeMoney),
		string(TypeBool), string(TypeDate), string(TypeDateTime), string(TypeChoice), string(TypeMultiChoice),
		string(TypeGUID)}
	// typeOptions lists the keys that only make sense for some types.
	typeOptions = map[string][]Type{
		"formats":           {TypeDate, TypeDateTime},
		"timezone":          {TypeDateTime},
		"max_length":        {TypeString},
		"truncate":          {TypeString},
		"precision":         {TypeDecimal, TypeMoney},
		"decimal_separator": {TypeInt, TypeDecimal, TypeMoney},
		"choices":           {TypeChoice, TypeMultiChoice},
	}
)

// maxPrecision bounds a decimal or money column's precision: the fraction
// digits an exact decimal of maxIntDigits can usefully carry. What a
// destination's columns hold (Dataverse: money 4, decimal 10) is checked
// by that destination. exactPrecision is "no rounding", the default.
const (
	maxPrecision   = maxIntDigits
	exactPrecision = 1 << 20
)

// value compiles a column, key or match value: a source path, a bare
// constant (number or bool), or a mapping with from, const or expr.
func (l *loader) value(name string, n *yaml.Node, sc scope) *valueRule {
	v := &valueRule{name: name, typ: TypeString, loc: sc.loc, sep: sc.sep, gate: sc.gate, confirmed: sc.confirmed,
		precision: -1}
	n = l.resolve(n)
	v.pos = l.pos(n)
	switch {
	case n == nil || isNull(n):
		l.errorf(n, "column %s has no value: write a source (fields.x), {const: …} or {expr: …}", name)
		return nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
		return l.pathValue(v, n, sc)
	case n.Kind == yaml.ScalarNode:
		v.typ = inferType(n)
		return l.constValue(v, n)
	case n.Kind == yaml.MappingNode:
		return l.mappingValue(v, n, sc)
	}
	l.errorf(n, "column %s must be a source, a constant or a mapping, not %s", name, describe(n))
	return nil
}

// inferType types a bare constant: 1 → int, 1.5 → decimal, true → bool.
func inferType(n *yaml.Node) Type {
	switch n.Tag {
	case "!!int":
		return TypeInt
	case "!!float":
		return TypeDecimal
	case "!!bool":
		return TypeBool
	}
	return TypeString
}

// pathValue compiles a bare source path.
func (l *loader) pathValue(v *valueRule, n *yaml.Node, sc scope) *valueRule {
	src, msg := parseSource(n.Value, sc.inItem)
	if msg != "" {
		l.errorf(n, "column %s: %s", v.name, msg)
		return nil
	}
	v.src = src
	return v
}

// constValue converts a constant once, at load.
func (l *loader) constValue(v *valueRule, n *yaml.Node) *valueRule {
	v.src = source{kind: srcConst, text: n.Value}
	out, f, _ := v.produce(rawFromNode(n))
	if f != nil {
		l.errorf(n, "column %s: %s", v.name, f.msg)
		return nil
	}
	v.def = out
	return v
}

// mappingValue compiles {from|const|expr: …, type: …, …}.
func (l *loader) mappingValue(v *valueRule, n *yaml.Node, sc scope) *valueRule {
	f, ok := l.fields(n, "column "+v.name, valueKeys)
	if !ok {
		return nil
	}
	if e, has := f["type"]; has {
		t, _ := l.oneOf(e.val, "type", typeNames)
		v.typ = Type(t)
	}
	okOpts := l.valueOptions(v, f, sc)
	ok = l.typeOptions(v, n, f) && okOpts
	var srcNode *yaml.Node
	count := 0
	for _, k := range []string{"from", "const", "expr"} {
		if e, has := f[k]; has {
			count++
			srcNode = e.val
		}
	}
	if count != 1 {
		l.errorf(n, "column %s needs exactly one of from, const or expr", v.name)
		return nil
	}
	if !l.valueSource(v, f, sc) || !ok {
		return nil
	}
	if v.src.kind == srcConst {
		return l.constValue(v, l.resolve(srcNode))
	}
	return l.defaultValue(v, f)
}

// valueSource compiles from or expr (const is converted later).
func (l *loader) valueSource(v *valueRule, f map[string]entry, sc scope) bool {
	if e, has := f["from"]; has {
		s, ok := l.str(e.val, "from")
		if !ok {
			return false
		}
		return l.pathValue(v, l.resolve(e.val), sc) != nil && s != ""
	}
	if e, has := f["expr"]; has {
		text, ok := l.text(e.val, "expr")
		if !ok {
			return false
		}
		p, msg := compileExpr(text, false, sc.inItem)
		if msg != "" {
			l.errorf(e.val, "column %s: %s", v.name, msg)
			return false
		}
		v.src = source{kind: srcExpr, text: "expr " + quote(text), prog: p}
		return true
	}
	v.src.kind = srcConst
	return true
}

// valueOptions compiles the options that apply to every type.
func (l *loader) valueOptions(v *valueRule, f map[string]entry, sc scope) bool {
	n := len(l.problems)
	if e, has := f["transform"]; has {
		v.transforms = l.transforms(e.val)
	}
	if e, has := f["required"]; has {
		v.required, _ = l.boolean(e.val, "required")
	}
	if e, has := f["omit_empty"]; has {
		v.omitEmpty, _ = l.boolean(e.val, "omit_empty")
	}
	if e, has := f["min_confidence"]; has {
		v.gate = l.gate(e.val)
	}
	if e, has := f["require_confirmed"]; has {
		v.confirmed, _ = l.boolean(e.val, "require_confirmed")
	}
	if e, has := f["decimal_separator"]; has {
		v.sep = l.separator(e.val)
	}
	if e, has := f["timezone"]; has {
		v.loc = l.timezone(e.val)
	}
	return len(l.problems) == n
}

// typeOptions checks and compiles the type-specific options.
func (l *loader) typeOptions(v *valueRule, n *yaml.Node, f map[string]entry) bool {
	before := len(l.problems)
	for key, types := range typeOptions {
		if e, has := f[key]; has && !slices.Contains(types, v.typ) {
			l.errorf(e.key, "%s does not apply to column %s of type %s (only to %s)", key, v.name, v.typ, typeList(types))
		}
	}
	l.formats(v, f)
	l.lengthOptions(v, f)
	l.precision(v, f)
	if v.typ == TypeChoice || v.typ == TypeMultiChoice {
		e, has := f["choices"]
		if !has {
			l.errorf(n, "column %s of type %s needs choices: {Label: value, …}", v.name, v.typ)
		} else {
			v.choices = l.choices(e.val)
		}
	}
	return len(l.problems) == before
}

func typeList(ts []Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return quoteList(s)
}

// formats compiles the date layouts (or the defaults).
func (l *loader) formats(v *valueRule, f map[string]entry) {
	switch v.typ {
	case TypeDate:
		v.formats = defaultDateFormats
	case TypeDateTime:
		v.formats = defaultDateTimeFormats
	}
	e, has := f["formats"]
	if !has || (v.typ != TypeDate && v.typ != TypeDateTime) {
		return
	}
	n := l.resolve(e.val)
	items := []*yaml.Node{n}
	if n != nil && n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	v.formats = nil
	for _, it := range items {
		layout, ok := l.str(it, "a date format")
		if !ok {
			continue
		}
		if msg := checkLayout(layout); msg != "" {
			l.errorf(it, "%s", msg)
			continue
		}
		v.formats = append(v.formats, layout)
	}
}

// lengthOptions compiles max_length and truncate.
func (l *loader) lengthOptions(v *valueRule, f map[string]entry) {
	if e, has := f["max_length"]; has && v.typ == TypeString {
		n, ok := l.integer(e.val, "max_length")
		if ok && (n < 1 || n > 1<<20) {
			l.errorf(e.val, "max_length must be between 1 and 1048576, not %d", n)
		}
		v.maxLength = int(n)
	}
	if e, has := f["truncate"]; has && v.typ == TypeString {
		v.truncate, _ = l.boolean(e.val, "truncate")
		if v.truncate && v.maxLength == 0 {
			l.errorf(e.key, "truncate needs max_length")
		}
	}
}

// precision compiles precision (default: none, the value stays exact).
func (l *loader) precision(v *valueRule, f map[string]entry) {
	if e, has := f["precision"]; has && (v.typ == TypeDecimal || v.typ == TypeMoney) {
		p, ok := l.integer(e.val, "precision")
		if ok && (p < 0 || p > maxPrecision) {
			l.errorf(e.val, "precision of a %s column must be between 0 and %d, not %d", v.typ, maxPrecision, p)
		}
		v.precision = int(p)
	}
}

// choices compiles {Label: value, …}.
func (l *loader) choices(n *yaml.Node) *choiceSet {
	es, ok := l.entries(n, "choices")
	if ok && len(es) == 0 {
		l.errorf(n, "choices is empty")
	}
	opts := map[string]int64{}
	folded := map[string]string{}
	for _, e := range es {
		v, ok := l.integer(e.val, "the value of choice "+strconv.Quote(e.key.Value))
		if !ok {
			continue
		}
		if other, clash := folded[fold(e.key.Value)]; clash && opts[other] != v {
			l.errorf(e.key, "choice %q has another value than %q, which differs only by case, accents or spaces", e.key.Value, other)
			continue
		}
		folded[fold(e.key.Value)] = e.key.Value
		opts[e.key.Value] = v
	}
	c := newChoiceSet(opts)
	return &c
}

// defaultValue converts default once, at load.
func (l *loader) defaultValue(v *valueRule, f map[string]entry) *valueRule {
	e, has := f["default"]
	if !has {
		return v
	}
	n := l.resolve(e.val)
	out, fail := v.convert(rawFromNode(n))
	if fail != nil {
		l.errorf(n, "default of column %s: %s", v.name, fail.msg)
		return nil
	}
	v.def, v.hasDefault = out, out != nil
	return v
}

// rawFromNode reads a YAML constant as a source value.
func rawFromNode(n *yaml.Node) raw {
	if n == nil {
		return raw{kind: rawNull}
	}
	if n.Kind == yaml.SequenceNode {
		items := make([]any, len(n.Content))
		for i, c := range n.Content {
			items[i] = c.Value
		}
		return raw{kind: rawOther, v: items}
	}
	if n.Kind != yaml.ScalarNode {
		return raw{kind: rawOther, v: map[string]any{}}
	}
	switch n.Tag {
	case "!!null":
		return raw{kind: rawNull}
	case "!!bool":
		var b bool
		_ = n.Decode(&b)
		return raw{kind: rawBool, s: strconv.FormatBool(b)}
	case "!!int", "!!float":
		var x any
		if n.Decode(&x) == nil {
			return rawFromAny(x)
		}
	}
	return raw{kind: rawString, s: n.Value}
}

// uses reports the environment parts the value's expression reads.
func (v *valueRule) uses() envParts {
	if v.src.prog != nil {
		return v.src.prog.uses
	}
	return 0
}
