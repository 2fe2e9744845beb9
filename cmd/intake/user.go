package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// intake user add|list|disable|enable|roles|passwd: staff accounts, through
// desk like the web's admin pages, on the store the config names (safe
// while serve runs on it: a change counts at the next request). The
// command line acts as an admin named after the OS user ("cli:NAME" in
// the audit chain): whoever can run it on the server can read the
// database anyway.
//
// Output contract (DESIGN.md): `user add NAME --role R` without
// --password-stdin prints the one-time setup link alone on one stdout
// line (what it is for goes to stderr); `user list --json` prints one
// JSON object per line (as `tickets list --json`): "id", "name", "roles",
// "disabled", "password_set", "created", "updated". Exit status: 0 done,
// 1 refused (unknown user, name taken, invalid input), 2 usage or a
// failure of ours.

// userStdin is where --password-stdin reads (tests replace it).
var userStdin io.Reader = os.Stdin

// cliAdmin is the command line's actor: an admin named after the OS user.
func cliAdmin() desk.Actor {
	name := fmt.Sprintf("uid-%d", os.Getuid())
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return desk.Actor{Name: name, Roles: []tickets.Role{tickets.RoleAdmin}, Via: "cli"}
}

// rolesFlag collects --role, repeatable or a comma list.
type rolesFlag []string

func (r *rolesFlag) String() string     { return strings.Join(*r, ",") }
func (r *rolesFlag) Set(v string) error { *r = append(*r, v); return nil }

const userUsage = `usage: intake user add NAME --role agent|privacy|admin [--role ...] [--password-stdin] [--config FILE]
       intake user list [--json] [--config FILE]
       intake user disable NAME [--config FILE]
       intake user enable NAME [--config FILE]
       intake user roles NAME --role ROLE[,ROLE] [--config FILE]
       intake user passwd NAME [--password-stdin] [--config FILE]   (without: prints a reset link)`

func runUser(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	asJSON := fs.Bool("json", false, "list: one JSON object per line")
	fromStdin := fs.Bool("password-stdin", false, "add, passwd: read the password from the first line of standard input")
	var roles rolesFlag
	fs.Var(&roles, "role", "add, roles: agent, privacy or admin (repeatable, or a comma list; roles add up)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	want := map[string]int{"add": 1, "list": 0, "disable": 1, "enable": 1, "roles": 1, "passwd": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintf(stderr, "intake user: unknown subcommand %q\n%s\n", sub, userUsage)
		return 2
	}
	if len(pos) != n {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	password := ""
	if *fromStdin {
		if sub != "add" && sub != "passwd" {
			fmt.Fprintf(stderr, "intake user %s: --password-stdin is for add and passwd\n", sub)
			return 2
		}
		if password, err = readPassword(userStdin); err != nil {
			fmt.Fprintf(stderr, "intake user %s: %v\n", sub, err)
			return 2
		}
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "intake user %s: %v\n", sub, err)
		return 2
	}
	ctx, st, done, err := cliStore(*cfgPath, "intake user "+sub, time.Minute, stderr)
	if err != nil {
		return 2
	}
	defer done()
	u := &userCmd{ctx: ctx, a: desk.NewAccounts(st, desk.AuthPolicy{}, nil), by: cliAdmin(), base: cfg.Web.URL(), stdout: stdout, stderr: stderr}
	switch sub {
	case "add":
		err = u.add(pos[0], roles, password)
	case "list":
		err = u.list(*asJSON)
	case "disable", "enable":
		disabled := sub == "disable"
		var v desk.UserView
		if v, err = u.a.UpdateUser(ctx, u.by, pos[0], desk.UserUpdate{Disabled: &disabled}); err == nil && disabled {
			fmt.Fprintf(stderr, "%s is disabled: their sessions ended and their API tokens stopped\n", v.Name)
		} else if err == nil {
			fmt.Fprintf(stderr, "%s is enabled\n", v.Name)
		}
	case "roles":
		err = u.setRoles(pos[0], roles)
	case "passwd":
		err = u.passwd(pos[0], password, *fromStdin)
	}
	return cliResult(stderr, "intake user "+sub, err)
}

// cliResult reports err and returns the exit status: 1 for what desk
// refused (the operator's input), 2 for our faults.
func cliResult(stderr io.Writer, what string, err error) int {
	if err == nil {
		return 0
	}
	de := desk.AsError(err)
	if de.Status >= 500 {
		cause := error(de)
		if de.Err != nil {
			cause = de.Err
		}
		fmt.Fprintf(stderr, "%s: %v\n", what, cause)
		return 2
	}
	fmt.Fprintf(stderr, "%s: %s\n", what, de.Message)
	return 1
}

// readPassword reads the first line of r, without its line end. A
// password is never an argument: arguments show in ps and shell history.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("read password: standard input is empty")
	}
	return line, nil
}

type userCmd struct {
	ctx            context.Context
	a              *desk.Accounts
	by             desk.Actor
	base           string
	stdout, stderr io.Writer
}

func (u *userCmd) add(name string, roles rolesFlag, password string) error {
	rs, err := desk.ParseRoles(roles...)
	if err != nil {
		return err
	}
	v, link, err := u.a.AddUser(u.ctx, u.by, desk.NewUser{Name: name, Roles: rs, Password: password})
	if err != nil {
		return err
	}
	if link == nil {
		fmt.Fprintf(u.stderr, "added %s (%s)\n", v.Name, rolesText(v.Roles))
		return nil
	}
	fmt.Fprintf(u.stderr, "added %s (%s); give them this one-time link to choose a password (valid until %s):\n",
		v.Name, rolesText(v.Roles), link.Expires.Local().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(u.stdout, u.base+desk.SetupPath(link.Token))
	return nil
}

func rolesText(rs []tickets.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func (u *userCmd) list(asJSON bool) error {
	us, err := u.a.ListUsers(u.ctx, u.by)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(u.stdout)
		for _, v := range us {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(u.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tSTATE\tCREATED")
	for _, v := range us {
		state := "active"
		switch {
		case v.Disabled:
			state = "disabled"
		case !v.PasswordSet:
			state = "setup pending"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, rolesText(v.Roles), state, v.Created.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func (u *userCmd) setRoles(name string, roles rolesFlag) error {
	rs, err := desk.ParseRoles(roles...)
	if err != nil {
		return err
	}
	v, err := u.a.UpdateUser(u.ctx, u.by, name, desk.UserUpdate{Roles: &rs})
	if err != nil {
		return err
	}
	fmt.Fprintf(u.stderr, "%s now has the roles %s\n", v.Name, rolesText(v.Roles))
	return nil
}

func (u *userCmd) passwd(name, password string, fromStdin bool) error {
	if fromStdin {
		v, err := u.a.SetPassword(u.ctx, u.by, name, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(u.stderr, "password of %s set; their sessions ended\n", v.Name)
		return nil
	}
	link, err := u.a.ResetLink(u.ctx, u.by, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(u.stderr, "one-time link for %s to choose a new password (valid until %s):\n", strings.ToLower(name), link.Expires.Local().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(u.stdout, u.base+desk.SetupPath(link.Token))
	return nil
}
