package gateway

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strings"
	"testing"
)

// TestImagesMetric: what the image policy did with each image of accepted
// mail is counted in intake_images_total by outcome. A 16 x 16 logo is
// under the size floor; a picture whose header cannot be read is withheld
// whatever the policy (with tesseract installed or not).
func TestImagesMetric(t *testing.T) {
	e := newEnv(t)
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	broken := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 64)...)
	att := func(name string, data []byte) string {
		return "--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename=" + name +
			"\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString(data) + "\n"
	}
	mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, message([]string{
		"From: m@member.example", "To: help@support.localhost", "Subject: photos",
		"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b1"`,
	}, "--b1\nContent-Type: text/plain\n\nsee the pictures\n"+att("logo.png", logo.Bytes())+att("photo.png", broken)+"--b1--\n"))
	metrics := e.metricsText()
	for _, want := range []string{`intake_images_total{outcome="below_floor"} 1`, `intake_images_total{outcome="withheld"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("no %s in the metrics:\n%s", want, grepLines(metrics, "intake_images"))
		}
	}
}
