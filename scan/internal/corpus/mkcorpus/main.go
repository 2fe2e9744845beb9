// Command mkcorpus writes the two 64 MiB messages of the scan load run:
// mkcorpus DIR writes DIR/prose.eml and DIR/orders.eml.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/intake-mail/intake/scan/internal/corpus"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkcorpus DIR")
		os.Exit(2)
	}
	const size = 64 << 20
	for name, body := range map[string][]byte{
		"prose.eml":  corpus.Prose(size, 1),
		"orders.eml": corpus.CSV(size, 1),
	} {
		if err := os.WriteFile(filepath.Join(os.Args[1], name), corpus.Message(body), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
