package numora

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// TestDecodeResultMatchesUnmarshal: the client's one-pass decoding gives
// what json.Unmarshal into a Result gives, and fails where it fails.
func TestDecodeResultMatchesUnmarshal(t *testing.T) {
	tests := []struct{ name, body string }{
		{"documented", `{"id":"doc_1","status":"reviewed","confidence":0.93,
			"fields":{"invoice_number":{"value":"INV-1","confidence":0.9},"total":{"value":1250.5}},
			"line_items":[{"id":"li_1","description":{"value":"Paper","confidence":0.8},"quantity":2}]}`},
		{"space everywhere", " {\n \"fields\" : { \"a\" : { \"value\" : [ 1 , 2 ] , \"confidence\" : 1e-1 } } ,\n" +
			" \"line_items\" : [ { \"id\" : 7 , \"b\" : \"x\" } , {\"id\":null} ] } "},
		{"strings that look like structure", `{"fields":{"a":{"value":"}],\"{[","confidence":0.5},"b\"c":"\\"},
			"line_items":[{"id":"li\"1","d":"]}"}]}`},
		{"escaped keys", `{"fields":{"x":{"val\u0075e":3,"confidenc\u0065":0.2}},"line_items":[{"\u0069d":"li_9","n\u00e4me":1}]}`},
		{"repeated keys", `{"fields":{"a":1,"a":{"value":2},"b":{"value":1,"value":5,"confidence":0.1,"confidence":0.7}},
			"line_items":[{"q":1,"id":"a","q":2,"id":"b"}]}`},
		{"repeated members", `{"fields":{"a":1},"fields":{"b":2},"line_items":[{"id":"x"}],"line_items":[{"id":"y"}]}`},
		{"repeated members then null", `{"fields":{"a":1},"fields":null,"line_items":[{"id":"x"}],"line_items":null}`},
		{"objects without value", `{"fields":{"addr":{"street":"Main"},"v":{"Value":1}}}`},
		{"confidence not a number", `{"fields":{"a":{"value":1,"confidence":"high"},"b":{"value":1,"confidence":1e999},"c":{"value":1,"confidence":null}}}`},
		{"nulls", `{"id":null,"fields":null,"line_items":null,"duplicate_of":null}`},
		{"null members", `{"fields":{"a":null},"line_items":[{"id":"li_1","a":null}]}`},
		{"empty", `{"fields":{},"line_items":[]}`},
		{"keys in other case", `{"ID":"doc_2","Fields":{"a":1},"LINE_ITEMS":[{"id":"x"}]}`},
		{"metadata and dates", `{"metadata":{"k":[1,{"v":null}]},"updated_at":"2026-03-24T04:00:00Z","external_id":"E-1"}`},
		{"fields not an object", `{"fields":[1]}`},
		{"fields a string", `{"fields":"x"}`},
		{"line items not an array", `{"line_items":{"id":"li_1"}}`},
		{"line item not an object", `{"line_items":[5]}`},
		{"line item null", `{"line_items":[null]}`},
		{"line item id an array", `{"line_items":[{"id":[1]}]}`},
		{"line item id a bool", `{"line_items":[{"id":true}]}`},
		{"truncated", `{"fields":{"a":{"value":1`},
		{"not JSON", `fields`},
		{"an array", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want Result
			wantErr := json.Unmarshal([]byte(tt.body), &want)
			got, err := decodeResult([]byte(tt.body))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, json.Unmarshal's %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

// TestDecodeResultKeepsNoInput: decoded values do not share the body's
// memory, which the caller may reuse.
func TestDecodeResultKeepsNoInput(t *testing.T) {
	body := []byte(`{"fields":{"a":{"value":"x"}},"line_items":[{"id":"li_1","b":"y"}]}`)
	r, err := decodeResult(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if string(r.Fields["a"].Value) != `"x"` || string(r.LineItems[0].Fields["b"].Value) != `"y"` {
		t.Errorf("values changed with the body: %s %s", r.Fields["a"].Value, r.LineItems[0].Fields["b"].Value)
	}
}

func TestWalker(t *testing.T) {
	o, ok := newObject([]byte(` { "a" : [1, {"b": "]"}] , "c\"d" : "e\\" , "f": -1.5e+3,"g":true } `))
	if !ok {
		t.Fatal("not an object")
	}
	var got []string
	for key, value, ok := o.next(); ok; key, value, ok = o.next() {
		got = append(got, unquote(key)+"="+string(value))
	}
	want := []string{`a=[1, {"b": "]"}]`, `c"d="e\\"`, `f=-1.5e+3`, `g=true`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	a, ok := newArray([]byte(`[ {"x":1} ,"s", [ ] ,null]`))
	if !ok {
		t.Fatal("not an array")
	}
	got = got[:0]
	for value, ok := a.element(); ok; value, ok = a.element() {
		got = append(got, string(value))
	}
	if want := []string{`{"x":1}`, `"s"`, `[ ]`, `null`}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, ok := newObject([]byte(`[1]`)); ok {
		t.Error("an array walked as an object")
	}
}

func TestTypeErrorNamesTheKind(t *testing.T) {
	for in, want := range map[string]string{`{}`: "object", `[]`: "array", `"s"`: "string", `true`: "bool", `false`: "bool", `-1`: "number"} {
		var te *json.UnmarshalTypeError
		if err := typeError([]byte(in), reflect.TypeFor[int]()); !errors.As(err, &te) || te.Value != want {
			t.Errorf("%s: got %v, want a type error naming %s", in, err, want)
		}
	}
}
