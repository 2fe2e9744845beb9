package config

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strings"

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
// (postgres://user:pw@host/db, or ?password=pw) or key=value form
// (password=pw). A URL is read textually, not parsed: a password no URL
// parser accepts (an unescaped '#', '/' or '@') is hidden all the same.
func RedactDSN(dsn string) string {
	if scheme, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if user, _, hasPW := strings.Cut(rest[:at], ":"); hasPW {
				rest = user + ":xxxxx" + rest[at:]
			}
		}
		rest = urlPassword.ReplaceAllStringFunc(rest, func(m string) string {
			return m[:len("?password=")] + "xxxxx"
		})
		return scheme + "://" + rest
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
