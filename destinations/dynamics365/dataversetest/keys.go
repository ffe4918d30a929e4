package dataversetest

import (
	"encoding/json"
	"math/big"
	"net/http"
	"strconv"
	"strings"
)

// forbiddenKeyChars are refused in alternate-key values in a URL, even
// percent-encoded (dataverse.md §3).
const forbiddenKeyChars = `/<>*%&:\?+`

// keyRef identifies a row by primary id or by alternate-key values.
type keyRef struct {
	id     string         // primary id, or ""
	key    *Key           // alternate key, or nil
	values map[string]any // alternate-key attribute → stored value
	text   string         // the predicate as written (decoded), for URLs
}

// keyPart is one "name=literal" (or a bare literal) in a key predicate.
type keyPart struct {
	name string
	lit  token
}

// splitSegment splits "set(pred)" into "set" and "pred" (pred decoded).
// ok is false for an unbalanced segment.
func splitSegment(seg string) (name, pred string, hasKey, ok bool) {
	i := strings.IndexByte(seg, '(')
	if i < 0 {
		return seg, "", false, true
	}
	if !strings.HasSuffix(seg, ")") {
		return seg, "", false, false
	}
	return seg[:i], seg[i+1 : len(seg)-1], true, true
}

// parseKey resolves a key predicate against a table.
func parseKey(td *tableDef, pred string) (*keyRef, *response) {
	parts, bad := parseKeyParts(pred)
	if bad != nil {
		return nil, bad
	}
	if len(parts) == 1 && (parts[0].name == "" || parts[0].name == td.PrimaryID) {
		if parts[0].lit.kind != tokGUID {
			return nil, errorf(http.StatusBadRequest, "0x0", "Bad Request - Error in query syntax.")
		}
		return &keyRef{id: parts[0].lit.text, text: parts[0].lit.text}, nil
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		if p.name == "" {
			return nil, errorf(http.StatusBadRequest, "0x0", "Bad Request - Error in query syntax.")
		}
		names[i] = lookupKeyName(p.name)
	}
	k := td.keyFor(names)
	if k == nil {
		return nil, errorf(http.StatusBadRequest, codeKeyNotDefined,
			"The key in the request URI is not valid for resource '%s'. Ensure that the names and number of key properties match the type definition of the resource.", td.typeName())
	}
	if k.Status != "Active" {
		return nil, errorf(http.StatusBadRequest, codeKeyNotDefined,
			"The entity key %s of entity %s is not active (EntityKeyIndexStatus %s).", k.Name, td.LogicalName, k.Status)
	}
	ref := &keyRef{key: k, values: map[string]any{}, text: pred}
	for i, p := range parts {
		v, bad := keyValue(td, names[i], p.lit)
		if bad != nil {
			return nil, bad
		}
		ref.values[names[i]] = v
	}
	return ref, nil
}

// lookupKeyName maps "_x_value" (a lookup column in a key) to "x".
func lookupKeyName(n string) string {
	if strings.HasPrefix(n, "_") && strings.HasSuffix(n, "_value") && len(n) > 7 {
		return n[1 : len(n)-6]
	}
	return n
}

func parseKeyParts(pred string) ([]keyPart, *response) {
	syntax := errorf(http.StatusBadRequest, "0x0", "Bad Request - Error in query syntax.")
	toks, err := lex(pred)
	if err != nil || len(toks) < 2 {
		return nil, syntax
	}
	var parts []keyPart
	for i := 0; toks[i].kind != tokEOF; {
		var p keyPart
		if toks[i].kind == tokIdent && toks[i+1].text == "=" && toks[i+1].kind == tokPunct {
			p.name = toks[i].text
			i += 2
		}
		if t := toks[i]; t.kind == tokEOF || t.kind == tokPunct || t.kind == tokIdent {
			return nil, syntax
		}
		p.lit = toks[i]
		if p.lit.kind == tokString {
			if c := strings.IndexAny(p.lit.text, forbiddenKeyChars); c >= 0 {
				return nil, errorf(http.StatusBadRequest, "", "A potentially dangerous Request.Path value was detected from the client (%c).", p.lit.text[c])
			}
		}
		parts = append(parts, p)
		i++
		if toks[i].kind == tokPunct && toks[i].text == "," {
			i++
			continue
		}
		if toks[i].kind != tokEOF {
			return nil, syntax
		}
	}
	return parts, nil
}

// keyValue converts a key literal to the stored form of attribute name.
func keyValue(td *tableDef, name string, lit token) (any, *response) {
	if td.lookup[name] != nil {
		if lit.kind == tokGUID {
			return lit.text, nil
		}
	} else if a := td.attrs[name]; a != nil {
		if v, ok := literalFor(a, lit); ok {
			return v, nil
		}
	}
	return nil, errorf(http.StatusBadRequest, "0x0",
		"Invalid type for entity id value '%s' of key property '%s' of resource '%s'.", lit.text, name, td.typeName())
}

// literalFor converts an OData URL literal to a's stored form.
func literalFor(a *Attribute, lit token) (any, bool) {
	switch a.Type {
	case TypeString, TypeMemo, TypeMultiChoice:
		return lit.text, lit.kind == tokString
	case TypeInt, TypeChoice:
		i, err := strconv.ParseInt(lit.text, 10, 64)
		return i, lit.kind == tokNumber && err == nil
	case TypeDecimal, TypeMoney:
		r, ok := new(big.Rat).SetString(lit.text)
		if lit.kind != tokNumber || !ok {
			return nil, false
		}
		return json.Number(r.FloatString(a.Precision)), true
	case TypeBool:
		return lit.text == "true", lit.kind == tokBool
	case TypeDate:
		return lit.text, lit.kind == tokDate
	case TypeDateTime:
		t, ok := parseDateTime(lit.text)
		if lit.kind != tokDateTime || !ok {
			return nil, false
		}
		return t.UTC().Format("2006-01-02T15:04:05Z07:00"), true
	case TypeGUID:
		return lit.text, lit.kind == tokGUID
	}
	return nil, false
}
