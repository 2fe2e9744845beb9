// Package browsertest drives a real headless Chromium (Debian's chromium
// package) for the web interface's browser tests, through chromedp. A test
// that calls Start is skipped when no Chromium is installed; .ci/run
// installs it, so CI always runs them.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Browser is one headless Chromium with a fresh profile, for one test.
type Browser struct {
	// Ctx is the chromedp context of its one tab: chromedp.Do(b.Ctx, ...).
	Ctx context.Context
	t   testing.TB

	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	requests []string // every URL the tab asked for, in order
	marks    int
	marked   chan string // the console marks NoConsoleErrors waits for
}

// consoleMark prefixes the console.debug line NoConsoleErrors writes to
// know that the console has caught up; it is kept out of Console().
const consoleMark = "browsertest: console caught up "

// ExecPath finds Chromium: $INTAKE_CHROMIUM, else chromium or
// chromium-browser on PATH; "" when there is none.
func ExecPath() string {
	if p := os.Getenv("INTAKE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches Chromium for t (skipping t when there is none) and stops
// it when t ends. The profile is a fresh temporary directory; background
// networking, component updates and sync are off, so the browser talks
// only to the test's own server.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		t.Skip("no chromium installed (apt-get install chromium, or set INTAKE_CHROMIUM); .ci/run installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers give /dev/shm little room
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("hide-scrollbars", true),
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root; tests in containers
		// and CI run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	b := &Browser{Ctx: ctx, t: t, marked: make(chan string, 16)}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, so a failure to launch is reported as such.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// Every request the tab makes, whatever made it (a page, a script, a
	// stylesheet, a frame): tests prove what did not leave.
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, r.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("listen to chromium's network events: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, consoleMark) {
				select {
				case b.marked <- m.Text:
				default:
				}
				continue
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// Do runs actions in the tab, failing the test (with what step says)
// after timeout or an error.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			b.t.Fatalf("%s: timed out in the browser (at %s)", step, b.Location())
		}
		b.t.Fatalf("%s: %v", step, err)
	}
}

// LogIn logs the tab in through intake's login form at base as name, and
// waits for a page that names who is logged in.
func (b *Browser) LogIn(base, name, password string) {
	b.t.Helper()
	b.Do("log in as "+name,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), name),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who-name")), Loaded())
}

// Loaded waits until the page in the tab has loaded: parsed to its end,
// its deferred scripts (app.js and its shortcut keys) run. WaitVisible
// alone returns as soon as one element shows, which a page does while
// the rest of it is still arriving and before its scripts run. Use it
// after a WaitVisible for something only the new page has: started
// while the old page is still shown, it would find that one loaded.
// (Navigate waits for the load itself.)
func Loaded() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.readyState === "complete"`)
}

// Until waits for the JavaScript expression expr to be true in the page,
// checking at every frame, and says whether it became so within
// timeout. It is for what the page does on its own a moment after it
// shows, such as moving the focus to an autofocus field, which browsers
// do at the next rendering of the page (after an animation frame, by
// the HTML standard), not as they parse it.
func Until(b *Browser, expr string, timeout time.Duration) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout)))
	if errors.Is(err, chromedp.ErrPollingTimeout) {
		return false
	}
	if err != nil {
		b.t.Fatalf("wait for %q: %v", expr, err)
	}
	return true
}

// Eval evaluates a JavaScript expression in the page and returns its value
// decoded into T (with chromedp.EvalAwaitPromise, the value a promise
// settles to).
func Eval[T any](b *Browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %q: %v", expr, err)
	}
	return v
}

// Location is the tab's current URL ("" if it cannot tell).
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// Console returns what the pages wrote to the console so far: script
// errors, and the browser's own entries, such as a Content-Security-Policy
// violation.
func (b *Browser) Console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.console...)
}

// Requests returns the URL of every request the tab made so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// NoConsoleErrors fails the test for any error or warning on the console
// (a blocked inline script or style, a missing asset, a script error)
// but those matching one of expected, such as the status of a page the
// test made fail on purpose ("status of 401").
func (b *Browser) NoConsoleErrors(expected ...*regexp.Regexp) {
	b.t.Helper()
	b.consoleCaughtUp()
next:
	for _, m := range b.Console() {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleWarning && !m.IsException() {
			continue
		}
		for _, re := range expected {
			if re.MatchString(m.String()) {
				continue next
			}
		}
		b.t.Errorf("browser console: %s (%s)", m, m.URL)
	}
}

// consoleCaughtUp returns once every console message the page wrote
// before now has reached b.console. The page's messages come over one
// DevTools session in the order the page wrote them, so a mark written
// now arrives after them all; waiting a fixed time instead lets a loaded
// machine deliver the last error after the test has looked.
func (b *Browser) consoleCaughtUp() {
	b.t.Helper()
	b.mu.Lock()
	b.marks++
	mark := fmt.Sprintf("%s%d", consoleMark, b.marks)
	b.mu.Unlock()
	Eval[any](b, fmt.Sprintf("console.debug(%q)", mark))
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got := <-b.marked:
			if got == mark {
				return
			}
		case <-timeout:
			b.t.Fatalf("the browser's console did not deliver %q within 30s", mark)
		}
	}
}

// ArtifactDir is where a test keeps what a person should look at:
// $INTAKE_ARTIFACTS/TEST_NAME when set (CI keeps it), else a temporary
// directory of the test.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	base := os.Getenv("INTAKE_ARTIFACTS")
	if base == "" {
		return t.TempDir()
	}
	dir := filepath.Join(base, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	return dir
}

// Screenshot saves a PNG of the whole page as NAME.png in the test's
// artifact directory, logs its path and returns it.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(ArtifactDir(b.t), strings.TrimSuffix(name, ".png")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	b.t.Logf("screenshot %s: %s", name, path)
	return path
}

// ColorScheme makes the page render as the user's system asks for
// "dark" or "light" (prefers-color-scheme), for screenshots of both.
func ColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// Press presses keys one by one as a keyboard does: each is one keyDown
// that carries its text, then a keyUp. (chromedp.KeyEvent sends the
// text as a separate char event, which Chromium delivers even when the
// page cancelled the keydown: a shortcut that moves the focus to a text
// box would find its own letter typed there, as no real key press does.)
// Use chromedp.KeyEvent to type text into a field.
func Press(keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			var down, up *input.DispatchKeyEventParams
			for _, k := range kb.Encode(r) {
				switch k.Type {
				case kb.KeyDown:
					down = k
				case kb.KeyUp:
					up = k
				case kb.KeyChar:
					if down != nil {
						down.Text, down.UnmodifiedText = k.Text, k.UnmodifiedText
					}
				}
			}
			for _, k := range []*input.DispatchKeyEventParams{down, up} {
				if k == nil {
					continue
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// String describes the browser for failure messages.
func (b *Browser) String() string { return fmt.Sprintf("chromium at %s", b.Location()) }
