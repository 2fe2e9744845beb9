package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLoadedWaitsForTheRestOfThePage serves a page in two parts and
// holds the second until the test lets it go: WaitVisible returns on
// the first part (what a loaded machine does to a test by chance),
// Loaded only once the page is all there, and Until sees the focus the
// page's autofocus sets.
func TestLoadedWaitsForTheRestOfThePage(t *testing.T) {
	b := Start(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/slow" {
			fmt.Fprint(w, `<!doctype html><title>start</title><a id="go" href="/slow">go</a>`)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>slow</title><p id="first">first</p>`+strings.Repeat("<!-- padding -->", 200))
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, `<textarea id="box" autofocus>kept</textarea><p id="last">last</p>`)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	b.Do("the first part", chromedp.Navigate(srv.URL+"/"), chromedp.Click(chromedp.ID("go")), chromedp.WaitVisible(chromedp.ID("first")))
	if Eval[bool](b, `document.getElementById("last") !== null`) {
		t.Fatal("the second part is there before the server sent it")
	}
	close(release)
	b.Do("the rest", Loaded())
	if v := Eval[string](b, `document.getElementById("box").value + "|" + document.getElementById("last").innerText`); v != "kept|last" {
		t.Fatalf("after Loaded the page holds %q", v)
	}
	if !Until(b, `document.activeElement.id === "box"`, 30*time.Second) {
		t.Fatalf("the autofocus box never took the focus (it is on %q)", Eval[string](b, `document.activeElement.id`))
	}
	if Until(b, `false`, time.Second) {
		t.Fatal("Until said a false expression became true")
	}
}

// recordTB keeps what a test would fail with, to check a helper fails.
type recordTB struct {
	testing.TB
	errs []string
}

func (r *recordTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestNoConsoleErrorsSeesTheLastMessage writes an error to the console
// and asks at once: the message must be counted, however late it comes
// over the wire, and one that is expected must not.
func TestNoConsoleErrorsSeesTheLastMessage(t *testing.T) {
	b := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>console</title><p id="p">page</p>`)
	}))
	defer srv.Close()
	b.Do("open", chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.ID("p")))
	var said []string
	for i := range 20 {
		rec := &recordTB{TB: t}
		b.t = rec
		Eval[any](b, fmt.Sprintf(`console.error("the last word %d")`, i))
		var expected []*regexp.Regexp
		if len(said) > 0 {
			expected = append(expected, regexp.MustCompile(`^error: the last word (`+strings.Join(said, "|")+`)$`))
		}
		b.NoConsoleErrors(expected...)
		b.t = t
		if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], fmt.Sprintf("the last word %d (", i)) {
			t.Fatalf("round %d: NoConsoleErrors reported %q, want the error just written, once", i, rec.errs)
		}
		said = append(said, fmt.Sprint(i))
	}
	for _, m := range b.Console() {
		if strings.HasPrefix(m.Text, consoleMark) {
			t.Fatalf("the console mark is in Console(): %q", m.Text)
		}
	}
}
