package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestStringNeverPrintsValue(t *testing.T) {
	const v = "sk_live_topsecret"
	s := New(v)
	type holder struct {
		Key   String
		Other string
	}
	h := holder{Key: s, Other: "x"}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("m", "key", s, "h", h)
	outs := map[string]string{
		"%v":   fmt.Sprintf("%v", h),
		"%+v":  fmt.Sprintf("%+v", h),
		"%#v":  fmt.Sprintf("%#v", h),
		"%s":   fmt.Sprintf("%s", s),
		"json": string(js),
		"slog": logBuf.String(),
	}
	for name, out := range outs {
		if strings.Contains(out, v) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s = %q, want it to show %s", name, out, redacted)
		}
	}
	if got := s.Reveal(); got != v {
		t.Errorf("Reveal() = %q, want %q", got, v)
	}
}

func TestEmptySecretIsVisiblyEmpty(t *testing.T) {
	var s String
	if !s.IsZero() || s.String() != "" {
		t.Errorf("zero secret: IsZero=%v String=%q", s.IsZero(), s.String())
	}
	var u String
	if err := json.Unmarshal([]byte(`"abc"`), &u); err != nil || u.Reveal() != "abc" {
		t.Errorf("unmarshal: %v %q", err, u.Reveal())
	}
}
