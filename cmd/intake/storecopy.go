package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// runStore is `intake store copy --from CONFIG --to CONFIG`: it moves a
// store to another backend (see tickets.CopyStore), then verifies the
// target's audit chain. Run it with the source's node stopped; if it is
// interrupted, run it again and it goes on where it stopped.
func runStore(args []string, stdout, stderr io.Writer) int {
	const use = "usage: intake store copy --from CONFIG --to CONFIG"
	if len(args) == 0 || args[0] != "copy" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fs := flag.NewFlagSet("store copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "configuration of the store to copy (left as it is)")
	to := fs.String("to", "", "configuration of the new, empty store")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *from == "" || *to == "" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	ctx := context.Background()
	src, srcKeys, err := openStoreFor(ctx, *from, false)
	if err != nil {
		fmt.Fprintf(stderr, "intake store copy: source: %v\n", err)
		return 1
	}
	defer src.Close()
	dst, dstKeys, err := openStoreFor(ctx, *to, true)
	if err != nil {
		fmt.Fprintf(stderr, "intake store copy: target: %v\n", err)
		return 1
	}
	defer dst.Close()
	// The audit chain verifies only with the key that made it, and the
	// tokens in members' replies only with the thread key.
	if !bytes.Equal(srcKeys.audit, dstKeys.audit) || !bytes.Equal(srcKeys.thread, dstKeys.thread) {
		fmt.Fprintln(stderr, "intake store copy: the two configurations use different keys: name the source's "+
			"audit.key and thread.key in the target's [store] audit_key_file and thread_key_file")
		return 1
	}

	start := time.Now()
	last := time.Now()
	rep, err := tickets.CopyStore(ctx, src, dst, tickets.CopyOptions{Progress: func(table string, n int64) {
		if time.Since(last) > 5*time.Second {
			fmt.Fprintf(stderr, "intake store copy: %s: %d rows\n", table, n)
			last = time.Now()
		}
	}})
	if err != nil {
		fmt.Fprintf(stderr, "intake store copy: %v (run it again to go on from here)\n", err)
		return 1
	}
	var total int64
	for _, t := range rep.Tables {
		total += rep.Rows[t]
		fmt.Fprintf(stdout, "%-16s %d\n", t, rep.Rows[t])
	}
	resumed := ""
	if rep.Resumed {
		resumed = " (resumed)"
	}
	fmt.Fprintf(stdout, "copied %d rows in %s%s\n", total, time.Since(start).Round(time.Millisecond), resumed)
	v, err := dst.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "intake store copy: verify the target's audit chain: %v\n", err)
		return 1
	}
	if !v.OK {
		fmt.Fprintf(stderr, "intake store copy: the target's audit chain does not verify: %v\n", v.Problems)
		return 1
	}
	fmt.Fprintf(stdout, "target audit chain intact: %d events, %d tickets\n", v.Events, v.Tickets)
	return 0
}
