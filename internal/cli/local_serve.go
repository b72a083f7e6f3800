package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/realism"
)

func newLocalCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "local",
		Short: "The built-in AWS emulator",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLocalServeCmd(a), newLocalEnvCmd(a), newLocalStatusCmd(a), newLocalResetCmd(a))
	return cmd
}

func newLocalServeCmd(a *app) *cobra.Command {
	var (
		addr        string
		inMemory    bool
		allowRemote bool
		account     string
		maxConc     int
		noEnforce   bool
		salvage     bool
		realismMode string
		realismCfg  = realism.DefaultConfig()
		auth        string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the emulator over HTTP for any AWS client",
		Long: `serve answers DynamoDB, SQS, SNS, IAM, STS, CloudWatch Logs and Lambda on one
endpoint, for any AWS client: aws --endpoint-url, boto3, the SDKs, and orders itself
(--endpoint-url, or --local on the same --data-dir, which finds this server).

State lives in --data-dir (the same default as --local) and survives restarts; --in-memory
keeps nothing. Every request must be signed with AWS Signature Version 4, dated within 15
minutes of the emulator's clock, as on AWS: unsigned requests are refused
(MissingAuthenticationToken), except the URLs AWS hands out to be fetched by anyone (SNS's
signing certificate and unsubscribe links, a function's code download in open mode) and
GET /_orders/health. Requests signed with credentials the emulator issued (role sessions, IAM
users' keys) are held to their IAM policies. With --auth open (the default) any other key acts
as the account's administrator; with --auth strict only the data dir's root key does
(generated at first start, saved 0600 in the data dir as root-key.json, printed in the banner and by
` + "`orders local env`" + `; --in-memory makes a new one each run) and any other key is refused
(UnrecognizedClientException / InvalidClientTokenId).

Request bodies are held to AWS's size limits per service, and all bodies in flight together to
a memory budget; slow or idle connections are cut and connections are capped so the store
always has file descriptors left.
Stop it with Ctrl-C: in-flight requests finish and the store is closed cleanly.

--realism aws makes it as difficult as AWS, reproducibly: the delays AWS documents
(a new role is not assumable by Lambda for ~8 s, IAM policy changes apply after ~5 s, a
new function is Pending ~2 s and an update InProgress ~2 s, a table is CREATING/DELETING
~3 s, a deleted queue lingers 60 s, SNS delivers in 50-500 ms, log events show up after
2-5 s), each multiplied by --realism-scale. --fault-rate answers that share of API calls
with the service's own throttling or 5xx error, chosen by --fault-seed (same seed, same
calls: same faults). --local reads the same settings from ORDERS_REALISM,
ORDERS_REALISM_SCALE, ORDERS_FAULT_RATE and ORDERS_FAULT_SEED.`,
		Example: `  orders local serve
  orders local serve --auth strict
  orders local serve --in-memory --realism aws --realism-scale 0.05 --fault-rate 0.1 --fault-seed 7
  eval "$(orders local env)"; aws dynamodb list-tables
  orders --endpoint-url http://127.0.0.1:4566 up`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usageErrorf("--addr: %v", err)
			}
			if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
				if !allowRemote {
					return usageErrorf("--addr %s: other machines could reach the emulator; pass --allow-remote (and --auth strict) to bind a non-loopback address", addr)
				}
				if auth != emulator.AuthStrict {
					fmt.Fprintf(a.io.ErrOut, "warning: serving on %s with --auth open: anyone who can reach it and sign with any key acts as this account's administrator (use --auth strict)\n", addr)
				}
			}
			if auth != emulator.AuthOpen && auth != emulator.AuthStrict {
				return usageErrorf("--auth %q: want %s or %s", auth, emulator.AuthOpen, emulator.AuthStrict)
			}
			if inMemory && cmd.Flags().Changed("data-dir") {
				return usageErrorf("--in-memory and --data-dir: choose one")
			}
			if !inMemory && a.cfg.DataDir == "" {
				return usageErrorf("--data-dir: no default data directory on this machine; set --data-dir or pass --in-memory")
			}
			mode, err := realism.ParseMode(realismMode)
			if err != nil {
				return usageErrorf("--realism: %v", err)
			}
			realismCfg.Mode = mode
			profile, err := realism.New(realismCfg)
			if err != nil {
				return usageErrorf("%s: %v", realismFlag(err), err)
			}
			logger := slog.New(slog.NewTextHandler(a.io.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
			emu, err := emulator.Open(emulator.Options{
				DataDir: a.cfg.DataDir, InMemory: inMemory, Account: account,
				MaxConcurrency: maxConc, Enforce: !noEnforce, Logger: logger, Salvage: salvage,
				Version: Version(), Realism: profile, Auth: auth,
			})
			if err != nil {
				return fmt.Errorf("local serve: %w", err)
			}
			if salvage {
				fmt.Fprintln(a.io.ErrOut, emu.Salvaged())
			}
			url, err := emu.Listen(addr)
			if err != nil {
				_ = emu.Close()
				return fmt.Errorf("local serve: %w", err)
			}
			if !inMemory {
				if err := emulator.WriteEndpoint(a.cfg.DataDir, emu.Advertised()); err != nil {
					_ = emu.Close()
					return fmt.Errorf("local serve: %w", err)
				}
				defer emulator.RemoveEndpointOf(a.cfg.DataDir, emu.Instance())
			}
			where := a.cfg.DataDir
			if inMemory {
				where = "memory (nothing is kept)"
			}
			fmt.Fprintf(a.io.ErrOut, "orders emulator for account %s serving on %s (--auth %s), state in %s\n", emu.Account(), url, emu.Auth(), where)
			fmt.Fprintf(a.io.ErrOut, "%s\n", profile)
			key := emulator.RootKey{AccessKeyID: localAccessKey, SecretAccessKey: localSecretKey}
			if emu.Auth() == emulator.AuthStrict {
				key = emu.RootKey()
				fmt.Fprintf(a.io.ErrOut, "  root key: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (the only key accepted besides those the emulator issues)\n",
					key.AccessKeyID, key.SecretAccessKey)
			}
			// Each example works exactly as printed, on a machine with no
			// AWS configuration at all (see endpointClients).
			if !inMemory {
				fmt.Fprintf(a.io.ErrOut, "  eval \"$(orders%s local env)\"; aws sts get-caller-identity\n", a.dataDirHint())
			}
			fmt.Fprintf(a.io.ErrOut, "  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws --endpoint-url %s --region %s dynamodb list-tables\n",
				key.AccessKeyID, key.SecretAccessKey, url, emu.Region())
			fmt.Fprintf(a.io.ErrOut, "  orders --endpoint-url %s up\n", url)
			if a.jsonOutput() {
				_ = a.printJSON(map[string]string{"url": url, "account": emu.Account(), "dataDir": a.cfg.DataDir})
			} else {
				fmt.Fprintln(a.io.Out, url)
			}
			<-cmd.Context().Done()
			fmt.Fprintln(a.io.ErrOut, "stopping: finishing in-flight requests")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := emu.Shutdown(ctx); err != nil {
				return fmt.Errorf("local serve: shut down: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:4566", "address to listen on")
	f.BoolVar(&inMemory, "in-memory", false, "keep no state: a throwaway emulator")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr")
	f.StringVar(&account, "account", "", "account id of a new data dir (default 000000000000)")
	f.IntVar(&maxConc, "max-concurrency", 32, "warm instances per function")
	f.BoolVar(&noEnforce, "no-enforce", false, "do not evaluate IAM for issued credentials")
	f.StringVar(&auth, "auth", emulator.AuthOpen, "who may call: open (any well-formed signature; keys the emulator did not issue act as administrator) or strict (only the root key and issued keys)")
	f.BoolVar(&salvage, "salvage", false, "start over a damaged data dir: recover every intact record, keep damaged files as *.corrupt, report what was lost")
	f.StringVar(&realismMode, "realism", "off", "off: instant, consistent answers; aws: AWS's documented delays (see above)")
	f.Float64Var(&realismCfg.Scale, "realism-scale", 1, "multiply every realism delay (1 = AWS's typical values; 0.05 for tests)")
	f.Float64Var(&realismCfg.FaultRate, "fault-rate", 0, "share of API calls (0-1) answered with the service's throttling or 5xx error")
	f.Int64Var(&realismCfg.Seed, "fault-seed", 1, "seed of the injected faults and random delays (same seed, same calls: same faults)")
	return cmd
}

// realismFlag names the flag a realism.Config error is about.
func realismFlag(err error) string {
	var ce *realism.ConfigError
	if errors.As(err, &ce) {
		switch ce.Setting {
		case realism.SettingScale:
			return "--realism-scale"
		case realism.SettingFaultRate:
			return "--fault-rate"
		case realism.SettingSeed:
			return "--fault-seed"
		}
	}
	return "--realism"
}
