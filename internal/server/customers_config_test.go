package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/server"
)

// jwt_keys comes inline or from a file, in the environment and in the JSON
// config file alike; keys that cannot work stop the server at start.
func TestJWTKeysSetting(t *testing.T) {
	dir := t.TempDir()
	inline := `{"shop":{"alg":"HS256","key":"0123456789abcdef0123456789abcdef"}}`
	keysFile := filepath.Join(dir, "keys.json")
	if err := os.WriteFile(keysFile, []byte(inline), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"inline": inline, "file": keysFile} {
		cfg := server.Defaults()
		if err := cfg.LoadEnv(func(k string) string {
			if k == "PARLEY_JWT_KEYS" {
				return v
			}
			return ""
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.JWTKeys["shop"].Alg != "HS256" || cfg.Validate() != nil {
			t.Errorf("%s: keys %+v, validate %v", name, cfg.JWTKeys, cfg.Validate())
		}
	}
	// The JSON config file takes the object, or a string as the variable.
	for name, body := range map[string]string{
		"object": `{"jwt_keys":` + inline + `}`,
		"path":   `{"jwt_keys":"` + keysFile + `"}`,
	} {
		conf := filepath.Join(dir, name+".json")
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := server.Defaults()
		if err := cfg.LoadFile(conf); err != nil || cfg.JWTKeys["shop"].Key == "" {
			t.Errorf("config file with %s: %v, %+v", name, err, cfg.JWTKeys)
		}
	}
	for name, tc := range map[string]struct {
		keys server.JWTKeys
		hmac string
		want string
	}{
		"short HS256 key":  {keys: server.JWTKeys{"k": {Alg: "HS256", Key: "short"}}, want: `jwt key "k"`},
		"no such key file": {keys: server.JWTKeys{"k": {Alg: "EdDSA", KeyFile: filepath.Join(dir, "absent.pem")}}, want: "absent.pem"},
		"alg none":         {keys: server.JWTKeys{"k": {Alg: "none", Key: "0123456789abcdef0123456789abcdef"}}, want: "alg must be"},
		"short hmac_key":   {hmac: "short", want: "hmac_key"},
	} {
		cfg := server.Defaults()
		cfg.JWTKeys, cfg.HMACKey = tc.keys, tc.hmac
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error naming %q", name, err, tc.want)
		}
	}
	cfg := server.Defaults()
	for _, s := range cfg.Settings() {
		if s.Key == "jwt_keys" {
			if err := s.Value.Set(`{"k":{"alg":"HS256","key":"x","extra":1}}`); err == nil {
				t.Error("an unknown field in jwt_keys was accepted")
			}
			if err := s.Value.Set(inline); err != nil || s.Value.String() != "shop:HS256" {
				t.Errorf("jwt_keys shows %q (%v), want the kids and algorithms only", s.Value.String(), err)
			}
		}
	}
}
