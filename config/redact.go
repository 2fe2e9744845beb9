package config

import (
	"bytes"
	"fmt"
	"net/url"
	"reflect"
	"regexp"

	"github.com/pelletier/go-toml/v2"
)

// hidden replaces a secret in printed configuration.
const hidden = "(hidden)"

// Redacted is a copy of c with every secret replaced, safe to print: fields
// tagged secret:"true" are hidden whole, DSNs (secret:"dsn") keep all but
// their password.
func (c Config) Redacted() Config {
	redactValue(reflect.ValueOf(&c).Elem())
	return c
}

func redactValue(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			redactValue(f)
		case reflect.String:
			if f.String() == "" {
				continue
			}
			switch t.Field(i).Tag.Get("secret") {
			case "true":
				f.SetString(hidden)
			case "dsn":
				f.SetString(RedactDSN(f.String()))
			}
		}
	}
}

var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN hides the password of a PostgreSQL DSN in URL form
// (postgres://user:pw@host/db) or key=value form (password=pw).
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}"+hidden)
}

// TOML renders the configuration as a file that Load reads back.
func (c Config) TOML() ([]byte, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b).SetIndentTables(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return b.Bytes(), nil
}
