package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/ui"
)

// ExitInterrupted is the exit code of a run cancelled with Ctrl-C at a
// prompt: 128 + SIGINT, as shells report a process ended by it.
const ExitInterrupted = 130

// exitError is an error that exits with its own code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// confirm asks question on stderr and returns nil only for y or yes.
// Anything else is a refusal, bad usage like a missing --yes (exit 2); Ctrl-C
// while it waits cancels at once (exit 130). Both end with the message
// cancelled ("destroy cancelled; nothing was deleted").
func (a *app) confirm(ctx context.Context, question, cancelled string) error {
	fmt.Fprint(a.io.ErrOut, question)
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() { // stdin cannot be interrupted; a cancelled run leaves this reader behind
		line, err := bufio.NewReader(a.io.In).ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.io.ErrOut)
		return &exitError{ExitInterrupted, errors.New(cancelled)}
	case ans := <-got:
		if ans.err != nil && !errors.Is(ans.err, io.EOF) {
			return fmt.Errorf("read answer: %w", ans.err)
		}
		if errors.Is(ans.err, io.EOF) {
			fmt.Fprintln(a.io.ErrOut)
		}
		switch strings.ToLower(strings.TrimSpace(ans.line)) {
		case "y", "yes":
			return nil
		}
		return &usageError{errors.New(cancelled)}
	}
}

// suggest is a command line to run next, reaching the same stack as this
// run (ordersCommand: --local, --data-dir, --prefix, ... as given), e.g.
// suggest("up") is "orders --local --prefix dev- up"; suggest("") is the
// prefix alone.
func (a *app) suggest(args string) string {
	return a.ordersCommand(strings.Fields(args)...)
}

// dataDirHint is " --data-dir D" when the run used a non-default data dir.
func (a *app) dataDirHint() string {
	if a.cfg.DataDir != "" && a.cfg.DataDir != config.Default().DataDir {
		return " --data-dir " + shellJoin([]string{a.cfg.DataDir})
	}
	return ""
}

// textWidth is the width prose on stderr wraps at: the terminal's, at most
// ui.CheckWidth (100) columns, which is also the width off a terminal.
func (a *app) textWidth() int {
	if w := a.io.errWidth(); w > 0 && w < ui.CheckWidth {
		return w
	}
	return ui.CheckWidth
}

// askMFACode asks on the terminal for the current code of the MFA device
// serial, for a profile that assumes its role with MFA (mfa_serial), as
// the aws CLI does.
func (a *app) askMFACode(serial string) (string, error) {
	fmt.Fprintf(a.io.ErrOut, "Enter MFA code for %s: ", serial)
	line, err := bufio.NewReader(a.io.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the MFA code: %w", err)
	}
	code := strings.TrimSpace(line)
	if code == "" {
		return "", errors.New("no MFA code given")
	}
	return code, nil
}
