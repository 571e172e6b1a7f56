package server_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

// Every field of Config that a file can set is in the settings table, under
// its JSON key, and the table's Value sets that very field: the variables,
// the flags and the help cannot miss or mix up a setting.
func TestSettingsCoverConfig(t *testing.T) {
	byKey := map[string]server.Setting{}
	cfg := server.Defaults()
	for _, s := range cfg.Settings() {
		if _, dup := byKey[s.Key]; dup {
			t.Errorf("setting %s listed twice", s.Key)
		}
		if !strings.HasPrefix(s.Env, "PARLEY_") || s.Flag == "" || s.Arg == "" || s.Help == "" {
			t.Errorf("setting %s: incomplete %+v", s.Key, s)
		}
		byKey[s.Key] = s
	}
	typ := reflect.TypeFor[server.Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		if key == "-" {
			continue
		}
		s, ok := byKey[key]
		if !ok {
			t.Errorf("Config.%s (JSON %q) is not in Settings()", f.Name, key)
			continue
		}
		delete(byKey, key)
		sample := sampleFor(t, f.Type)
		if err := s.Value.Set(sample.text); err != nil {
			t.Fatalf("%s: set %q: %v", key, sample.text, err)
		}
		if got := jsonField(t, cfg, key); got != sample.json {
			t.Errorf("setting %s set %q, but Config's JSON %q is %s, want %s", key, sample.text, key, got, sample.json)
		}
	}
	for key := range byKey {
		t.Errorf("setting %s has no Config field with that JSON key", key)
	}
}

type sample struct{ text, json string }

func sampleFor(t *testing.T, typ reflect.Type) sample {
	switch typ {
	case reflect.TypeFor[string]():
		return sample{"x1", `"x1"`}
	case reflect.TypeFor[int]():
		return sample{"7001", "7001"}
	case reflect.TypeFor[float64]():
		return sample{"7.5", "7.5"}
	case reflect.TypeFor[[]string]():
		return sample{"a,b", `["a","b"]`}
	case reflect.TypeFor[server.Duration]():
		return sample{"7s", `"7s"`}
	case reflect.TypeFor[server.JWTKeys]():
		return sample{`{"k1":{"alg":"EdDSA","key_file":"/k.pem"}}`, `{"k1":{"alg":"EdDSA","key_file":"/k.pem"}}`}
	}
	t.Fatalf("no sample value for %v: extend sampleFor", typ)
	return sample{}
}

func jsonField(t *testing.T, cfg server.Config, key string) string {
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return string(m[key])
}
