package leakcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Leak is a hit in a named place (a file, "logs", "tickets show").
type Leak struct {
	Where string
	Hit
}

func (l Leak) String() string { return l.Where + ": " + l.Hit.String() }

// Report gathers the leaks of several places, so a test can decide what
// to do with them (fail, or skip a known one) once it has read them all.
type Report struct {
	c          *Checker
	Leaks      []Leak
	Places     int      // how many places were read
	Incomplete []string // places whose nested encodings were not all read
}

// NewReport starts an empty report.
func (c *Checker) NewReport() *Report { return &Report{c: c} }

// Bytes reads one place.
func (r *Report) Bytes(where string, b []byte) {
	hits, err := r.c.Find(b)
	r.Places++
	if err != nil {
		r.Incomplete = append(r.Incomplete, where)
	}
	for _, h := range hits {
		r.Leaks = append(r.Leaks, Leak{where, h})
	}
}

// Dir reads every regular file under dir: a store's database, its WAL and
// shared-memory files, a journal or temporary file left behind, the
// sealed files. Places are named by their path under dir.
func (r *Report) Dir(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // a file SQLite removed while we walked
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		r.Bytes(rel, b)
		return nil
	})
}

// Fail reports every leak and every incomplete place as a test error.
func (r *Report) Fail(t testing.TB) {
	t.Helper()
	for _, l := range r.Leaks {
		t.Errorf("plaintext leak: %s", l)
	}
	for _, w := range r.Incomplete {
		t.Errorf("%s: not all nested encodings were read (budget)", w)
	}
}

// Check reads blob and fails the test for every hit in it; it returns how
// many there were.
func (c *Checker) Check(t testing.TB, where string, blob []byte) int {
	t.Helper()
	r := c.NewReport()
	r.Bytes(where, blob)
	r.Fail(t)
	return len(r.Leaks)
}

// CheckDir reads every regular file under dir and fails the test for every
// hit, or when there is no file at all (the check would have proved
// nothing). It returns how many files it read.
func (c *Checker) CheckDir(t testing.TB, dir string) int {
	t.Helper()
	r := c.NewReport()
	if err := r.Dir(dir); err != nil {
		t.Fatalf("leakcheck: %v", err)
	}
	if r.Places == 0 {
		t.Fatalf("leakcheck: no file under %s", dir)
	}
	r.Fail(t)
	return r.Places
}
