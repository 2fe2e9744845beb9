package config

import (
	"strings"
	"testing"
)

// TestScanImages: [scan] images takes "ocr", "withhold" or nothing; the
// old ocr switch is read as images and moved there, so check-config
// prints the key that counts; the two saying otherwise is an error.
func TestScanImages(t *testing.T) {
	cases := []struct {
		name, body, images, problem string
	}{
		{"default", "", "", ""},
		{"ocr", `images = "ocr"`, "ocr", ""},
		{"withhold", `images = "withhold"`, "withhold", ""},
		{"old switch on", `ocr = true`, "ocr", ""},
		{"old switch off", `ocr = false`, "withhold", ""},
		{"both agree", "images = \"ocr\"\nocr = true", "ocr", ""},
		{"both disagree", "images = \"withhold\"\nocr = true", "withhold", "scan.ocr"},
		{"unknown value", `images = "sometimes"`, "sometimes", "scan.images"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(write(t, "[scan]\n"+c.body+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Scan.Images != c.images {
				t.Errorf("images %q, want %q", cfg.Scan.Images, c.images)
			}
			err = cfg.Validate()
			switch {
			case c.problem == "" && err != nil:
				t.Errorf("validate: %v", err)
			case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem+":")):
				t.Errorf("validate: %v, want a problem with %s", err, c.problem)
			}
			out, err := cfg.TOML()
			if err != nil {
				t.Fatal(err)
			}
			if c.problem == "" && strings.Contains(string(out), "ocr =") {
				t.Errorf("the old key is still printed:\n%s", out)
			}
		})
	}
}
