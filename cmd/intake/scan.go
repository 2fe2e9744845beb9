package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/intake-mail/intake/scan"
)

// Exit statuses of `intake scan`, a contract scripts rely on.
const (
	scanClean       = 0
	scanSensitive   = 1
	scanError       = 2
	scanUnscannable = 3
)

// scanReport is one line of `intake scan --json`.
type scanReport struct {
	File        string             `json:"file"`
	Sensitive   bool               `json:"sensitive"`
	Unscannable []scan.Unscannable `json:"unscannable"`
	Findings    []scan.Finding     `json:"findings"`
	Error       string             `json:"error,omitempty"`
}

func runScan(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("scan", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "one JSON object per message")
	ocr := fl.Bool("ocr", false, "read images with tesseract when it is installed")
	maxTime := fl.Duration("max-time", 0, "time budget per message (default 20s)")
	if err := fl.Parse(args); err != nil {
		return scanError
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: intake scan [--json] FILE|DIR|- ...")
		return scanError
	}
	lim := scan.DefaultLimits()
	lim.OCR = *ocr
	if *maxTime > 0 {
		lim.MaxTime = *maxTime
	}
	s := &scanRun{
		sc:     scan.New(lim).WithoutText(),
		out:    bufio.NewWriterSize(stdout, 64<<10),
		stderr: stderr,
		json:   *asJSON,
	}
	defer s.out.Flush()
	for _, arg := range fl.Args() {
		s.arg(arg)
	}
	switch {
	case s.failed:
		return scanError
	case s.sensitive:
		return scanSensitive
	case s.unscannable:
		return scanUnscannable
	}
	return scanClean
}

type scanRun struct {
	sc                             *scan.Scanner
	out                            *bufio.Writer
	stderr                         io.Writer
	json                           bool
	failed, sensitive, unscannable bool
}

// arg scans one argument: "-" is standard input, a directory is walked in
// lexical order and each regular file in it is one message, streamed.
func (s *scanRun) arg(arg string) {
	if arg == "-" {
		data, err := io.ReadAll(os.Stdin)
		s.one("-", data, err)
		return
	}
	st, err := os.Stat(arg)
	if err != nil {
		s.one(arg, nil, err)
		return
	}
	if !st.IsDir() {
		s.file(arg)
		return
	}
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			s.one(p, nil, err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		s.file(p)
		return nil
	})
	if err != nil {
		s.one(arg, nil, err)
	}
}

// file scans one file, streamed: a large plain message is read through
// a window of a few MiB, not into memory (scan.ScanReader).
func (s *scanRun) file(name string) {
	f, err := os.Open(name)
	if err != nil {
		s.one(name, nil, err)
		return
	}
	defer f.Close()
	s.report(name, func(ctx context.Context, base string) (*scan.Result, error) {
		return s.sc.ScanReader(ctx, base, f)
	})
}

func (s *scanRun) one(name string, data []byte, readErr error) {
	if readErr != nil {
		s.report(name, func(context.Context, string) (*scan.Result, error) { return nil, readErr })
		return
	}
	s.report(name, func(ctx context.Context, base string) (*scan.Result, error) {
		return s.sc.ScanFile(ctx, base, data)
	})
}

// report scans one input with do and prints what it found.
func (s *scanRun) report(name string, do func(ctx context.Context, base string) (*scan.Result, error)) {
	// A file name can hold a number too.
	rep := scanReport{File: scan.MaskString(name), Unscannable: []scan.Unscannable{}, Findings: []scan.Finding{}}
	// A file that is not a message is read by what it is (a PDF, an
	// archive, an image...) and located by its base name.
	base := ""
	if name != "-" {
		base = filepath.Base(name)
	}
	res, err := do(context.Background(), base)
	if err != nil {
		s.failed = true
		rep.Error = scan.MaskString(err.Error())
		s.emit(&rep)
		return
	}
	if res.Findings != nil {
		rep.Findings = res.Findings
	}
	if res.Unscannable != nil {
		rep.Unscannable = res.Unscannable
	}
	rep.Sensitive = len(rep.Findings) > 0
	s.sensitive = s.sensitive || rep.Sensitive
	s.unscannable = s.unscannable || len(rep.Unscannable) > 0
	s.emit(&rep)
}

func (s *scanRun) emit(rep *scanReport) {
	defer s.out.Flush() // results stream, one message at a time
	if s.json {
		b, _ := json.Marshal(rep)
		s.out.Write(b)
		s.out.WriteByte('\n')
		return
	}
	switch {
	case rep.Error != "":
		fmt.Fprintf(s.out, "%s: error: %s\n", rep.File, rep.Error)
	case len(rep.Findings) == 0 && len(rep.Unscannable) == 0:
		fmt.Fprintf(s.out, "%s: clean\n", rep.File)
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(s.out, "%s: %s %s in %s\n", rep.File, kindName(f.Type), f.Masked, f.Where)
	}
	for _, u := range rep.Unscannable {
		fmt.Fprintf(s.out, "%s: could not scan %s (%s)\n", rep.File, u.Where, u.Reason)
	}
}

func kindName(k scan.Kind) string {
	if k == scan.KindSSN {
		return "SSN"
	}
	return "card"
}
