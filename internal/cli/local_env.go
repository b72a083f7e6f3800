package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/emulator"
)

// defaultServeURL is where `orders local serve` listens unless told otherwise.
const defaultServeURL = "http://127.0.0.1:4566"

// runningEmulator is the emulator serving dataDir, if one does and proves
// to be it (see emulator.Endpoint.Check), with why not otherwise.
func runningEmulator(ctx context.Context, dataDir string) (emulator.Endpoint, emulator.Health, error) {
	ep, err := emulator.ReadEndpoint(dataDir)
	if err != nil {
		return ep, emulator.Health{}, fmt.Errorf("no emulator serves %s", dataDir)
	}
	if err := ep.Check(ctx, dataDir); err != nil {
		return ep, emulator.Health{}, fmt.Errorf("no emulator serves %s (its %s is stale: %v)", dataDir, emulator.EndpointFile, err)
	}
	h, err := emulator.FetchHealth(ctx, ep.URL)
	return ep, h, err
}

// envVar is one variable `local env` sets.
type envVar struct{ Name, Value string }

func newLocalEnvCmd(a *app) *cobra.Command {
	var shell string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print the environment that points AWS clients at the emulator",
		Long: `env prints AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
AWS_DEFAULT_REGION for the emulator serving --data-dir (or, when none does, for the default address of
` + "`orders local serve`" + `), so the aws CLI, boto3 and every SDK use it. It also unsets
AWS_SESSION_TOKEN and AWS_PROFILE, which would otherwise override or spoil the keys.`,
		Example: `  eval "$(orders local env)"
  aws dynamodb list-tables
  orders local env --shell fish | source
  orders local env --shell powershell | Invoke-Expression`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch shell {
			case "sh", "fish", "powershell":
			default:
				return usageErrorf("--shell %q: want sh, fish or powershell", shell)
			}
			url, region := defaultServeURL, localRegion
			key := emulator.RootKey{AccessKeyID: localAccessKey, SecretAccessKey: localSecretKey}
			ep, h, err := runningEmulator(cmd.Context(), a.cfg.DataDir)
			if err == nil {
				url, region = ep.URL, h.Region
				// A strict emulator takes only its root key (and the keys
				// it issued); an open one takes any key as its administrator.
				if h.Auth == emulator.AuthStrict {
					k, kerr := emulator.ReadRootKey(a.cfg.DataDir)
					if kerr != nil {
						return fmt.Errorf("local env: the emulator at %s runs with --auth strict, and its root key cannot be read: %w", url, kerr)
					}
					key = k
				}
			} else {
				fmt.Fprintf(a.io.ErrOut, "%v; these point at %s, where `orders local serve` listens by default\n", err, url)
			}
			if a.cfg.Region != "" {
				region = a.cfg.Region
			}
			vars := []envVar{{"AWS_ENDPOINT_URL", url}, {"AWS_ACCESS_KEY_ID", key.AccessKeyID},
				{"AWS_SECRET_ACCESS_KEY", key.SecretAccessKey}, {"AWS_REGION", region},
				{"AWS_DEFAULT_REGION", region}} // the aws CLI v1 and boto3 read only this one
			unset := []string{"AWS_SESSION_TOKEN", "AWS_PROFILE"}
			if a.jsonOutput() {
				m := map[string]string{}
				for _, v := range vars {
					m[v.Name] = v.Value
				}
				return a.printJSON(map[string]any{"command": "local env", "ok": true, "running": err == nil, "variables": m, "unset": unset})
			}
			_, werr := fmt.Fprint(a.io.Out, renderEnv(shell, vars, unset))
			return werr
		},
	}
	cmd.Flags().StringVar(&shell, "shell", "sh", "syntax to print: sh (also bash, zsh), fish or powershell")
	return cmd
}

// renderEnv writes vars and unset in shell's syntax, values quoted.
func renderEnv(shell string, vars []envVar, unset []string) string {
	var b strings.Builder
	sq := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	for _, v := range vars {
		switch shell {
		case "fish":
			fmt.Fprintf(&b, "set -gx %s %s;\n", v.Name, "'"+strings.ReplaceAll(strings.ReplaceAll(v.Value, `\`, `\\`), "'", `\'`)+"'")
		case "powershell":
			fmt.Fprintf(&b, "$env:%s = '%s'\n", v.Name, strings.ReplaceAll(v.Value, "'", "''"))
		default:
			fmt.Fprintf(&b, "export %s=%s\n", v.Name, sq(v.Value))
		}
	}
	for _, n := range unset {
		switch shell {
		case "fish":
			fmt.Fprintf(&b, "set -e %s;\n", n)
		case "powershell":
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", n)
		default:
			fmt.Fprintf(&b, "unset %s\n", n)
		}
	}
	return b.String()
}

func newLocalStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Say whether an emulator serves the data dir, and where",
		Long: `status says whether an emulator (` + "`orders local serve`" + `, or a --local command) serves
--data-dir, where, as whom and since when. It exits 0 either way.`,
		Example: `  orders local status
  orders --data-dir /tmp/orders local status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ep, h, err := runningEmulator(cmd.Context(), a.cfg.DataDir)
			running := err == nil
			if a.jsonOutput() {
				doc := map[string]any{"command": "local status", "ok": true, "running": running, "dataDir": a.cfg.DataDir}
				if running {
					doc["url"], doc["health"] = ep.URL, h
				}
				return a.printJSON(doc)
			}
			if !running {
				_, err = fmt.Fprintf(a.io.Out, "%v; start one with `orders local serve%s`\n", err, a.dataDirHint())
				return err
			}
			up := time.Duration(h.Uptime * float64(time.Second)).Round(time.Second)
			_, err = fmt.Fprintf(a.io.Out, "an emulator serves %s on %s: pid %d, account %s, region %s, --auth %s, up %s\n",
				h.DataDir, ep.URL, h.PID, h.Account, h.Region, h.Auth, up)
			return err
		},
	}
}

func newLocalResetCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Empty the emulator's state in the data dir",
		Long: `reset deletes every table, queue, topic, role, function and log the emulator keeps in
--data-dir, leaving an empty account (a new one starts at the next use). It removes only
the emulator's own files, and refuses while a process uses the data dir. It asks first
on a terminal; elsewhere it needs --yes.`,
		Example: `  orders local reset
  orders local reset --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := a.cfg.DataDir
			if dir == "" {
				return usageErrorf("--data-dir: no default data directory on this machine; set --data-dir")
			}
			if !a.cfg.Yes {
				if !a.io.InTTY {
					return usageErrorf("local reset: refusing to empty %s without confirmation: stdin is not a terminal; pass --yes to confirm", dir)
				}
				fmt.Fprintf(a.io.ErrOut, "This deletes everything the emulator keeps in %s: tables with their items, queues with their messages, topics, roles, functions and logs.\n", dir)
				if err := a.confirm(cmd.Context(), "Empty it? [y/N] ", "local reset cancelled; nothing was deleted"); err != nil {
					return err
				}
			}
			removed, err := emulator.Reset(cmd.Context(), dir)
			if err != nil {
				return fmt.Errorf("local reset: %w", err)
			}
			if a.jsonOutput() {
				return a.printJSON(map[string]any{"command": "local reset", "ok": true, "dataDir": dir, "removed": removed})
			}
			if len(removed) == 0 {
				_, err = fmt.Fprintf(a.io.Out, "%s holds no emulator state: nothing to reset\n", dir)
				return err
			}
			_, err = fmt.Fprintf(a.io.Out, "emptied %s (%d files removed)\n", dir, len(removed))
			return err
		},
	}
	cmd.Flags().BoolP(flagYes, "y", false, "reset without asking")
	return cmd
}
