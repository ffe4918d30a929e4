package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// envParts says which parts of the expression environment a program reads,
// so rendering builds only those.
type envParts uint8

const (
	useDocument envParts = 1 << iota
	useFields
	useConfidence
	useItem
	useMetadata
)

var envNames = map[string]envParts{
	"document": useDocument, "fields": useFields, "confidence": useConfidence,
	"item": useItem, "metadata": useMetadata,
}

// exprEnv is what expressions see. fields and item hold values (numbers as
// float64), confidence the fields' confidences.
type exprEnv struct {
	Document   exprDocument   `expr:"document"`
	Fields     map[string]any `expr:"fields"`
	Confidence map[string]any `expr:"confidence"`
	Item       map[string]any `expr:"item"`
	Metadata   map[string]any `expr:"metadata"`
}

// exprDocument is the document part of the environment; absent values are
// nil, so `document.duplicate_of != nil` reads naturally.
type exprDocument struct {
	ID          string `expr:"id"`
	Schema      string `expr:"schema"`
	Status      string `expr:"status"`
	ExternalID  any    `expr:"external_id"`
	UpdatedAt   any    `expr:"updated_at"`
	DuplicateOf any    `expr:"duplicate_of"`
	Confidence  any    `expr:"confidence"`
}

// program is a compiled expression.
type program struct {
	text string
	prog *vm.Program
	uses envParts
}

// vmPool reuses expression VMs across renders (a VM is not safe for
// concurrent use; a pool hands each goroutine its own).
var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

// compileExpr compiles an expression once, at load. It returns a message
// ("" when fine).
func compileExpr(text string, asBool, inItem bool) (*program, string) {
	opts := []expr.Option{expr.Env(exprEnv{}), numberFunc()}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	p, err := expr.Compile(text, opts...)
	if err != nil {
		return nil, "invalid expression " + quote(text) + ": " + exprMessage(text, err)
	}
	v := &identVisitor{}
	node := p.Node()
	ast.Walk(&node, v)
	if v.uses&useItem != 0 && !inItem {
		return nil, "expression " + quote(text) + ": item is only available in records with for_each"
	}
	return &program{text: text, prog: p, uses: v.uses}, ""
}

// exprMessage shortens an expr error to one line, in the rules' terms.
// When expr refused a name the environment lacks, the name is found in the
// expression's own syntax tree (nameProblem), so the message speaks of
// document attributes and environment names, not of Go types.
func exprMessage(text string, err error) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return msg
	}
	msg := fe.Message
	if tree, perr := parser.Parse(text); perr == nil {
		if m := nameProblem(tree.Node); m != "" {
			msg = m
		}
	}
	if fe.Column > 0 || fe.Line > 0 {
		return fmt.Sprintf("%s (at %d:%d)", msg, fe.Line, fe.Column+1)
	}
	return msg
}

// exprFuncs are the functions the rules add to expr's builtins.
var exprFuncs = []string{"number"}

// nameProblem describes the first name in an expression that the
// environment lacks: an unknown top-level name, or a document attribute
// that does not exist; "" when every name is known.
func nameProblem(root ast.Node) string {
	v := &nameVisitor{declared: map[string]bool{}}
	ast.Walk(&root, v)
	return v.problem
}

// nameVisitor finds names an expression reads that the environment lacks.
type nameVisitor struct {
	declared map[string]bool // let variables and called functions
	problem  string
}

func (v *nameVisitor) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.VariableDeclaratorNode:
		v.declared[x.Name] = true
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			v.declared[id.Value] = true
		}
	case *ast.MemberNode:
		id, okID := x.Node.(*ast.IdentifierNode)
		prop, okProp := x.Property.(*ast.StringNode)
		if okID && okProp && id.Value == "document" && !slices.Contains(docAttrs, prop.Value) && v.problem == "" {
			v.problem = "document has no attribute " + quote(prop.Value) + didYouMean(prop.Value, docAttrs)
		}
	case *ast.IdentifierNode:
		known := envNames[x.Value] != 0 || v.declared[x.Value] || slices.Contains(exprFuncs, x.Value)
		if !known && v.problem == "" {
			names := []string{"document", "fields", "confidence", "item", "metadata"}
			v.problem = "unknown name " + quote(x.Value) + didYouMean(x.Value, names) + "; expressions see " + quoteList(names)
		}
	}
}

// identVisitor collects the environment names a program reads.
type identVisitor struct{ uses envParts }

func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		v.uses |= envNames[id.Value]
	}
}

// run evaluates the program.
func (p *program) run(env *exprEnv) (any, error) {
	m := vmPool.Get().(*vm.VM)
	defer vmPool.Put(m)
	out, err := m.Run(p.prog, env)
	if err != nil {
		return nil, errors.New(exprMessage(p.text, err))
	}
	return out, nil
}

// numberFunc provides number(x): OCR number text or a number as float64.
func numberFunc() expr.Option {
	return expr.Function("number", func(params ...any) (any, error) {
		r := rawFromAny(params[0])
		var d decimal
		ok := false
		switch r.kind {
		case rawNumber:
			d, ok = parseJSONNumber(r.s)
		case rawString:
			d, ok = parseOCRNumber(r.s, 0)
		}
		if !ok {
			return nil, fmt.Errorf("number: cannot read %s as a number", describeRaw(r))
		}
		s, _ := d.text(20)
		return strconv.ParseFloat(s, 64)
	}, new(func(any) float64))
}

// template is a text with {{ expression }} parts, e.g. a skip reason.
type template struct {
	parts []templatePart
}

type templatePart struct {
	lit  string
	prog *program
}

// compileTemplate compiles "vendor {{ fields.vendor_tax_id }} not found".
func compileTemplate(s string, inItem bool) (template, string) {
	var t template
	for s != "" {
		before, after, found := strings.Cut(s, "{{")
		if before != "" {
			t.parts = append(t.parts, templatePart{lit: before})
		}
		if !found {
			break
		}
		code, rest, closed := strings.Cut(after, "}}")
		if !closed {
			return t, "unclosed {{ in " + quote(s)
		}
		p, msg := compileExpr(strings.TrimSpace(code), false, inItem)
		if msg != "" {
			return t, msg
		}
		t.parts = append(t.parts, templatePart{prog: p})
		s = rest
	}
	return t, ""
}

// uses reports the environment parts the template reads.
func (t template) uses() envParts {
	var u envParts
	for _, p := range t.parts {
		if p.prog != nil {
			u |= p.prog.uses
		}
	}
	return u
}

// render fills the template; a failing expression renders as "?".
func (t template) render(env *exprEnv) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.prog.run(env)
		if err != nil {
			b.WriteString("?")
			continue
		}
		b.WriteString(valueText(v))
	}
	return b.String()
}

// valueText prints an expression value in a message.
func valueText(v any) string {
	r := rawFromAny(v)
	switch r.kind {
	case rawNull:
		return ""
	case rawString, rawNumber, rawBool:
		return r.s
	}
	return fmt.Sprint(v)
}
