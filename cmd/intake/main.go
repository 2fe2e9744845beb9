// Command intake is the one binary of the intake gateway: it serves SMTP and
// the staff web interface, and carries the operator's tools.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand: it takes its own arguments and returns the
// process exit status, so each can be tested without exiting.
type command struct {
	name  string
	usage string
	run   func(args []string, stdout, stderr io.Writer) int
}

// commands is filled by each subcommand's file in its init, keeping this
// file free of knowledge about any of them.
var commands []command

func register(c command) { commands = append(commands, c) }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: intake COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "intake: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
