package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docExample is a shell block of docs/API.md and the answer shown after
// it.
type docExample struct {
	line   int
	script string
	status string // "200 OK"; "" when no answer is shown
	body   string
}

var fenceRe = regexp.MustCompile("(?s)```(sh|http)\n(.*?)```")

func readDocExamples(t *testing.T) []docExample {
	t.Helper()
	src, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	var out []docExample
	for _, m := range fenceRe.FindAllStringSubmatchIndex(doc, -1) {
		kind, text := doc[m[2]:m[3]], doc[m[4]:m[5]]
		line := strings.Count(doc[:m[0]], "\n") + 1
		switch kind {
		case "sh":
			out = append(out, docExample{line: line, script: text})
		case "http":
			if len(out) == 0 {
				t.Fatalf("API.md line %d: an answer with no request before it", line)
			}
			status, body, _ := strings.Cut(text, "\n")
			out[len(out)-1].status = strings.TrimPrefix(status, "HTTP/1.1 ")
			out[len(out)-1].body = strings.TrimSpace(body)
		}
	}
	return out
}

var (
	docKeyRe  = regexp.MustCompile(`"([a-z_]+)":`)
	docCodeRe = regexp.MustCompile(`"code":"([a-z_]+)"`)
)

// TestAPIDocExamples runs every curl example of docs/API.md with curl
// against a live server holding a working day's queue, in the order the
// document gives them: each answers the status shown, holds every field
// the shown answer names, and the same error code. The paging script at
// the end (curl and jq) walks the open queue.
func TestAPIDocExamples(t *testing.T) {
	for _, tool := range []string{"curl", "jq", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s (.ci/run installs it)", tool)
		}
	}
	e, _ := staffEnv(t)
	refs := sampleQueue(t, e)
	att := e.detail(refs["withheld"]).Messages[0].Attachments[0].ID.String()
	item := e.detail(refs["sensitive"]).Messages[0].QuarantineID.String()
	env := append(os.Environ(), "INTAKE="+e.ts.URL, "TOKEN="+e.token("ann"), "ADMIN_TOKEN="+e.token("root"),
		"PRIVACY_TOKEN="+e.token("pat"), "ATTACHMENT="+att, "ITEM="+item,
		"WITHHELD_ITEM="+e.detail(refs["withheld"]).Messages[0].QuarantineID.String())
	next := ""
	ran := 0
	for _, ex := range readDocExamples(t) {
		script := strings.TrimSpace(strings.ReplaceAll(ex.script, "T-7K3F9Q", refs["sensitive"]))
		first := strings.Fields(script)[0]
		if first != "curl" && first != "next=\"\"" {
			continue // intake commands are the CLI's tests'
		}
		dir := t.TempDir()
		if first == "next=\"\"" {
			cmd := exec.Command("sh", "-e", "-c", script)
			cmd.Env, cmd.Dir = env, dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("API.md line %d: the paging script failed: %v\n%s", ex.line, err, out)
			}
			// The examples above made the sensitive ticket pending.
			for _, name := range []string{"followup", "long", "withheld"} {
				if !strings.Contains(string(out), refs[name]+"\t") {
					t.Errorf("API.md line %d: the paging script did not list %s:\n%s", ex.line, refs[name], out)
				}
			}
			ran++
			continue
		}
		if ex.status == "" {
			t.Fatalf("API.md line %d: a curl example without the answer shown", ex.line)
		}
		// The status code last, on its own line.
		cmd := exec.Command("sh", "-c", script+` -w '\n%{http_code}'`)
		cmd.Env, cmd.Dir = append(env, "NEXT="+next), dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("API.md line %d: %v\n%s", ex.line, err, out)
		}
		body, code := "", string(out)
		if i := strings.LastIndexByte(string(out), '\n'); i >= 0 {
			body, code = string(out[:i]), string(out[i+1:])
		}
		if want, _, _ := strings.Cut(ex.status, " "); code != want {
			t.Errorf("API.md line %d: answered %s, the document shows %s\n%s", ex.line, code, ex.status, body)
			continue
		}
		for _, k := range docKeyRe.FindAllStringSubmatch(ex.body, -1) {
			if !strings.Contains(body, `"`+k[1]+`":`) {
				t.Errorf("API.md line %d: the answer has no %q field\n%s", ex.line, k[1], body)
			}
		}
		if m := docCodeRe.FindStringSubmatch(ex.body); m != nil && !strings.Contains(body, `"code":"`+m[1]+`"`) {
			t.Errorf("API.md line %d: the answer's code is not %s\n%s", ex.line, m[1], body)
		}
		if m := regexp.MustCompile(`"next":"([^"]+)"`).FindStringSubmatch(body); m != nil {
			next = m[1]
		}
		if strings.Contains(script, "-o original.eml.age") {
			if b, _ := os.ReadFile(filepath.Join(dir, "original.eml.age")); !strings.HasPrefix(string(b), "age-encryption.org/v1") {
				t.Errorf("API.md line %d: the sealed original saved is not age ciphertext", ex.line)
			}
		}
		if strings.Contains(script, "-OJ") {
			files, _ := os.ReadDir(dir)
			if len(files) != 1 || files[0].Name() != "photo-of-id-card.txt" {
				t.Errorf("API.md line %d: the download saved %v", ex.line, files)
			}
		}
		ran++
	}
	if ran < 19 {
		t.Fatalf("ran %d examples: the document lost its examples, or the test its way of finding them", ran)
	}
}
