// Command regexscan is the baseline for `intake scan`: it reads one file
// and counts what two regular expressions plus Luhn find in it.
package main

import (
	"fmt"
	"os"

	"github.com/intake-mail/intake/scan/internal/baseline"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ssns, cards := baseline.Counts(data)
	fmt.Printf("{\"ssn\":%d,\"card\":%d}\n", ssns, cards)
}
