package dataversetest

import (
	"maps"
	"net/http"
	"strings"
)

// expandItem is one $expand entry with its nested $select.
type expandItem struct {
	name string
	sel  []string
}

// parseExpand reads "A,B($select=x,y)".
func parseExpand(raw string) ([]expandItem, *response) {
	var out []expandItem
	for raw != "" {
		name, rest := raw, ""
		if i := strings.IndexAny(raw, ",("); i >= 0 {
			name, rest = raw[:i], raw[i:]
		}
		it := expandItem{name: strings.TrimSpace(name)}
		if strings.HasPrefix(rest, "(") {
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return nil, errorf(http.StatusBadRequest, "0x0", "Syntax error in $expand '%s'.", raw)
			}
			for _, opt := range strings.Split(rest[1:end], ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(opt), "$select="); ok {
					it.sel = strings.Split(v, ",")
				}
			}
			rest = rest[end+1:]
		}
		out = append(out, it)
		raw = strings.TrimPrefix(rest, ",")
	}
	return out, nil
}

// attrJSON renders an attribute's properties with its @odata.type.
func attrJSON(a attrMeta) map[string]any {
	m := maps.Clone(a.props)
	m["@odata.type"] = "#" + crmNS + a.cast
	return m
}

// attrWithExpand adds OptionSet/GlobalOptionSet when $expand asks.
func (s *Server) attrWithExpand(a attrMeta, expand string) map[string]any {
	m := attrJSON(a)
	if expand == "" {
		return m
	}
	items, _ := parseExpand(expand)
	for _, it := range items {
		switch it.name {
		case "OptionSet":
			m["OptionSet"] = optionSet(a)
		case "GlobalOptionSet":
			m["GlobalOptionSet"] = nil
		}
	}
	return m
}

func optionSet(a attrMeta) map[string]any {
	os := map[string]any{"MetadataId": stableGUID("optionset", a.props["EntityLogicalName"].(string)+"."+a.name),
		"Name": a.props["EntityLogicalName"].(string) + "_" + a.name, "IsGlobal": false}
	if a.cast == "BooleanAttributeMetadata" {
		os["OptionSetType"] = "Boolean"
		os["TrueOption"] = map[string]any{"Value": 1, "Label": label("Yes")}
		os["FalseOption"] = map[string]any{"Value": 0, "Label": label("No")}
		return os
	}
	os["OptionSetType"] = map[string]string{"StateAttributeMetadata": "State", "StatusAttributeMetadata": "Status"}[a.cast]
	if os["OptionSetType"] == "" {
		os["OptionSetType"] = "Picklist"
	}
	os["Options"] = append([]any{}, a.options...)
	return os
}

// checkAttrExpand allows $expand of OptionSet/GlobalOptionSet only on
// casts that have them.
func checkAttrExpand(raw, cast string) *response {
	items, bad := parseExpand(raw)
	if bad != nil {
		return bad
	}
	for _, it := range items {
		ok := (it.name == "OptionSet" || it.name == "GlobalOptionSet") && (cast == "PicklistAttributeMetadata" ||
			cast == "MultiSelectPicklistAttributeMetadata" || cast == "StateAttributeMetadata" || cast == "StatusAttributeMetadata" ||
			(cast == "BooleanAttributeMetadata" && it.name == "OptionSet"))
		if !ok {
			typ := cast
			if typ == "" {
				typ = "AttributeMetadata"
			}
			return errorf(http.StatusBadRequest, "0x0", "Could not find a property named '%s' on type '%s%s'.", it.name, crmNS, typ)
		}
	}
	return nil
}

// metaSelect checks a $select against allowed property names.
func metaSelect(raw string, allowed map[string]bool, typeName string) ([]string, *response) {
	if raw == "" {
		return nil, nil
	}
	sel := strings.Split(raw, ",")
	for i, n := range sel {
		sel[i] = strings.TrimSpace(n)
		if !allowed[sel[i]] {
			return nil, errorf(http.StatusBadRequest, "0x0", "Could not find a property named '%s' on type '%s%s'.", sel[i], crmNS, typeName)
		}
	}
	return sel, nil
}

func metaFields(allowed map[string]bool, typeName string) fieldResolver {
	return func(name string) (fieldKind, *response) {
		if allowed[name] {
			return kindAny, nil
		}
		return 0, errorf(http.StatusBadRequest, "0x0", "Could not find a property named '%s' on type '%s%s'.", name, crmNS, typeName)
	}
}

// project keeps the selected properties (MetadataId and @odata.type
// always); sel == nil keeps everything.
func project(m map[string]any, sel []string) map[string]any {
	if sel == nil {
		out := maps.Clone(m)
		delete(out, "OptionSet")
		delete(out, "GlobalOptionSet")
		return out
	}
	out := map[string]any{"MetadataId": m["MetadataId"]}
	if t, ok := m["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, n := range sel {
		out[n] = m[n]
	}
	return out
}

func projectAll(items []map[string]any, sel []string, allowed map[string]bool, typeName string) ([]map[string]any, *response) {
	if _, bad := metaSelect(strings.Join(sel, ","), allowed, typeName); bad != nil {
		return nil, bad
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = project(it, sel)
	}
	return out, nil
}
