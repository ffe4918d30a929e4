package dataversetest

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
)

const crmNS = "Microsoft.Dynamics.CRM."

// castProps are the derived properties each attribute cast adds.
var castProps = map[string]map[string]bool{
	"StringAttributeMetadata":              setOf("MaxLength", "Format", "DatabaseLength"),
	"MemoAttributeMetadata":                setOf("MaxLength", "Format"),
	"IntegerAttributeMetadata":             setOf("MinValue", "MaxValue", "Format"),
	"DecimalAttributeMetadata":             setOf("Precision", "MinValue", "MaxValue"),
	"MoneyAttributeMetadata":               setOf("Precision", "PrecisionSource", "MinValue", "MaxValue"),
	"BooleanAttributeMetadata":             setOf("DefaultValue"),
	"DateTimeAttributeMetadata":            setOf("Format", "DateTimeBehavior"),
	"PicklistAttributeMetadata":            setOf("DefaultFormValue"),
	"MultiSelectPicklistAttributeMetadata": setOf("DefaultFormValue"),
	"StateAttributeMetadata":               setOf("DefaultFormValue"),
	"StatusAttributeMetadata":              setOf("DefaultFormValue"),
	"UniqueIdentifierAttributeMetadata":    setOf(),
	"LookupAttributeMetadata":              setOf("Targets"),
}

// metaQuery is a metadata request's shape: allowed properties, type name
// for errors, and the OData context.
type metaQuery struct {
	allowed  map[string]bool
	typeName string
	context  string
}

// metadata serves EntityDefinitions and its sub-collections (GET only).
func (s *Server) metadata(op *operation, t *target) *response {
	if op.method != http.MethodGet {
		return methodNotAllowed(op.method)
	}
	_, pred, hasKey, _ := splitSegment(t.segment)
	ctx := s.serviceRoot() + "$metadata#EntityDefinitions"
	if !hasKey {
		if t.rest != "" {
			return segmentNotFound(t.rest)
		}
		items := make([]map[string]any, 0, len(s.schema.tables))
		for _, td := range s.schema.tables {
			items = append(items, s.meta[td.LogicalName].props)
		}
		return s.metaList(op.query, items, metaQuery{entityProps, "EntityMetadata", ctx}, nil)
	}
	em, name := s.findEntityMeta(pred)
	if em == nil {
		return errorf(http.StatusNotFound, codeObjectNotFound, "Could not find entity with name '%s'.", pred)
	}
	ctx += "('" + name + "')"
	sub, rest := splitPath(t.rest)
	switch sub {
	case "":
		return s.metaEntity(op.query, em, ctx)
	case "Keys":
		return s.metaList(op.query, em.keys, metaQuery{keyProps, "EntityKeyMetadata", ctx + "/Keys"}, nil)
	case "ManyToOneRelationships", "OneToManyRelationships", "ManyToManyRelationships":
		items := map[string][]map[string]any{"ManyToOneRelationships": em.m2o, "OneToManyRelationships": em.o2m}[sub]
		return s.metaList(op.query, items, metaQuery{relationshipProps, "OneToManyRelationshipMetadata", ctx + "/" + sub}, nil)
	}
	return s.metaAttributes(op.query, em, sub, rest, ctx)
}

// findEntityMeta resolves "LogicalName='x'" or a MetadataId.
func (s *Server) findEntityMeta(pred string) (*entityMeta, string) {
	parts, bad := parseKeyParts(pred)
	if bad != nil || len(parts) != 1 {
		return nil, ""
	}
	p := parts[0]
	for _, td := range s.schema.tables {
		if (p.name == "LogicalName" && p.lit.kind == tokString && p.lit.text == td.LogicalName) ||
			(p.name == "" && p.lit.kind == tokGUID && p.lit.text == td.metadataID) {
			return s.meta[td.LogicalName], td.LogicalName
		}
	}
	return nil, ""
}

func (s *Server) metaEntity(q url.Values, em *entityMeta, ctx string) *response {
	sel, bad := metaSelect(q.Get("$select"), entityProps, "EntityMetadata")
	if bad != nil {
		return bad
	}
	out := project(em.props, sel)
	expands, bad := parseExpand(q.Get("$expand"))
	if bad != nil {
		return bad
	}
	for _, ex := range expands {
		var items []map[string]any
		allowed, typ := relationshipProps, "OneToManyRelationshipMetadata"
		switch ex.name {
		case "Attributes":
			for _, a := range em.attrs {
				items = append(items, attrJSON(a))
			}
			allowed, typ = baseAttrProps, "AttributeMetadata"
		case "Keys":
			items, allowed, typ = em.keys, keyProps, "EntityKeyMetadata"
		case "ManyToOneRelationships":
			items = em.m2o
		case "OneToManyRelationships":
			items = em.o2m
		case "ManyToManyRelationships":
		default:
			return errorf(http.StatusBadRequest, "0x0", "Could not find a property named '%s' on type '%sEntityMetadata'.", ex.name, crmNS)
		}
		list, bad := projectAll(items, ex.sel, allowed, typ)
		if bad != nil {
			return bad
		}
		out[ex.name] = list
	}
	out["@odata.context"] = ctx + selectContext(sel) + "/$entity"
	return jsonResponse(http.StatusOK, out)
}

// metaAttributes serves Attributes, Attributes(LogicalName='x') and their
// Microsoft.Dynamics.CRM.<Type>AttributeMetadata casts.
func (s *Server) metaAttributes(q url.Values, em *entityMeta, sub, rest, ctx string) *response {
	name, pred, single, _ := splitSegment(sub)
	if name != "Attributes" {
		return segmentNotFound(sub)
	}
	cast := ""
	if rest != "" {
		cast = strings.TrimPrefix(rest, crmNS)
		if castProps[cast] == nil || !strings.HasPrefix(rest, crmNS) {
			return segmentNotFound(rest)
		}
	}
	allowed := maps.Clone(baseAttrProps)
	maps.Copy(allowed, castProps[cast])
	items := s.pickAttributes(em, cast, pred, single, q.Get("$expand"))
	typ := "AttributeMetadata"
	if cast != "" {
		typ, ctx = cast, ctx+"/Attributes/"+crmNS+cast
	} else {
		ctx += "/Attributes"
	}
	if bad := checkAttrExpand(q.Get("$expand"), cast); bad != nil {
		return bad
	}
	if !single {
		return s.metaList(q, items, metaQuery{allowed, typ, ctx}, map[string]bool{"$expand": true})
	}
	if len(items) == 0 {
		return errorf(http.StatusNotFound, codeObjectNotFound, "Could not find attribute with %s.", pred)
	}
	sel, bad := metaSelect(q.Get("$select"), allowed, typ)
	if bad != nil {
		return bad
	}
	out := projectExpanded(items[0], sel)
	out["@odata.context"] = ctx + "/$entity"
	return jsonResponse(http.StatusOK, out)
}

// pickAttributes returns the attributes of a cast (all for ""), or the one
// a "LogicalName='x'" predicate names.
func (s *Server) pickAttributes(em *entityMeta, cast, pred string, single bool, expand string) []map[string]any {
	var items []map[string]any
	for _, a := range em.attrs {
		if (cast == "" || a.cast == cast) && (!single || pred == "LogicalName='"+a.name+"'") {
			items = append(items, s.attrWithExpand(a, expand))
		}
	}
	return items
}

// projectExpanded is project keeping expanded option sets.
func projectExpanded(m map[string]any, sel []string) map[string]any {
	out := project(m, sel)
	for _, k := range []string{"OptionSet", "GlobalOptionSet"} {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// metaList applies $filter and $select to a metadata collection.
func (s *Server) metaList(q url.Values, items []map[string]any, mq metaQuery, extra map[string]bool) *response {
	for opt := range q {
		if strings.HasPrefix(opt, "$") && opt != "$select" && opt != "$filter" && !extra[opt] {
			return errorf(http.StatusBadRequest, "0x0", "The query option '%s' is not supported by the Dataverse emulator for metadata.", opt)
		}
	}
	f, bad := parseFilter(q.Get("$filter"), metaFields(mq.allowed, mq.typeName))
	if bad != nil {
		return bad
	}
	sel, bad := metaSelect(q.Get("$select"), mq.allowed, mq.typeName)
	if bad != nil {
		return bad
	}
	value := []map[string]any{}
	for _, it := range items {
		if f == nil || f.match(func(n string) any { return it[n] }) {
			value = append(value, projectExpanded(it, sel))
		}
	}
	return jsonResponse(http.StatusOK, map[string]any{"@odata.context": mq.context + selectContext(sel), "value": value})
}
