package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// localRegion is the region --local answers in when none is configured.
const localRegion = "us-east-1"

// localKeys sign --local requests. The emulator treats keys it did not issue
// as the account's administrator, like a default profile on a new account.
const localAccessKey, localSecretKey = "orders-local", "orders-local"

// serverWait is how long a --local command waits for the process holding
// the data dir to advertise the server it opens right after taking the lock
// (or, when that process exits, for the lock to be free).
const serverWait = 10 * time.Second

// localClients returns clients aimed at the emulator over cfg.DataDir. If a
// process already serves that data dir (`orders local serve`, or another
// --local command), and it proves to be that emulator (see
// emulator.Endpoint.Check), the clients use it. Otherwise this process
// opens the data dir, serves it on a loopback port (so the function's own
// SDK calls reach it) and advertises it in the data dir, so concurrent
// --local commands share it rather than fail on the lock. The returned func
// stops what this process opened.
//
// When the server the clients use goes away (the command that served it
// ended), the next call finds the next server, or opens the data dir
// itself: see localTarget.
func localClients(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
	if cfg.DataDir == "" {
		return nil, nil, usageErrorf("--data-dir: no default data directory on this machine; set --data-dir")
	}
	region := cfg.Region
	if region == "" {
		region = localRegion
	}
	// The realism profile of an emulator this process opens; a server
	// already serving the data dir keeps its own.
	profile, err := realism.FromEnv(os.LookupEnv)
	if err != nil {
		return nil, nil, usageErrorf("--local: %v", err)
	}
	t := &localTarget{dataDir: cfg.DataDir, realism: profile}
	if err := t.find(ctx, ""); err != nil {
		return nil, nil, err
	}
	awsCfg := localAWSConfig(t.current(), region, localKey(cfg.DataDir, servedStrict(cfg.DataDir)))
	awsCfg.APIOptions = append(awsCfg.APIOptions, t.addMiddleware)
	return awsapi.NewFromAWSConfig(awsCfg), t.close, nil
}

// localTarget is the server a run's --local clients talk to, and the
// emulator this process opened, if it did.
type localTarget struct {
	dataDir string
	realism *realism.Profile // for an emulator this process opens (ORDERS_REALISM*)

	mu   sync.Mutex
	url  string
	emu  *emulator.Emulator // opened by this process; nil if another serves
	done bool
}

func (t *localTarget) current() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.url
}

// find sets the target to a server of the data dir, opening one if none
// serves it. failed is the URL that stopped answering ("" at the start):
// if another call already moved on from it, find keeps the new target.
func (t *localTarget) find(ctx context.Context, failed string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return errors.New("--local: the run has ended")
	}
	if t.url != failed || t.emu != nil {
		return nil
	}
	deadline := time.Now().Add(serverWait)
	logger := emulatorLog(t.dataDir)
	var why error
	for {
		ep, err := emulator.ReadEndpoint(t.dataDir)
		if err == nil {
			if why = ep.Check(ctx, t.dataDir); why == nil && ep.URL != failed {
				t.url = ep.URL
				return nil
			}
		}
		emu, err := emulator.Open(emulator.Options{DataDir: t.dataDir, Enforce: true, Logger: logger, Version: Version(), Realism: t.realism})
		if err == nil {
			return t.serve(emu)
		}
		if !errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("--local: start the emulator: %w", err)
		}
		// Held by a process that has not advertised its server yet (it
		// opened the store a moment ago, or is closing it), or by one that
		// never will (an older orders).
		if time.Now().After(deadline) {
			if why == nil {
				why = errors.New("it advertises no server")
			}
			return fmt.Errorf("--local: data dir %s is in use by another orders process that is not serving it (%v); wait for it to finish or use another --data-dir", t.dataDir, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serve listens on a loopback port with emu and advertises it in the data
// dir for other --local commands. t.mu is held.
func (t *localTarget) serve(emu *emulator.Emulator) error {
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		_ = emu.Close()
		return fmt.Errorf("--local: %w", err)
	}
	if err := emulator.WriteEndpoint(t.dataDir, emu.Advertised()); err != nil {
		_ = emu.Close()
		return fmt.Errorf("--local: %w", err)
	}
	t.url, t.emu = url, emu
	return nil
}

// localGrace is how long a --local command that served the data dir lets
// other commands' in-flight calls finish when it ends. They move on to the
// next server (or their own) for their next call.
const localGrace = 5 * time.Second

func (t *localTarget) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = true
	if t.emu == nil {
		return nil
	}
	emulator.RemoveEndpointOf(t.dataDir, t.emu.Instance())
	ctx, cancel := context.WithTimeout(context.Background(), localGrace)
	defer cancel()
	return t.emu.Shutdown(ctx)
}

// addMiddleware sends each attempt of every call to the current target,
// and moves the target on when the server stops answering. It runs after
// the retry middleware and before signing, so the retry of a refused
// connection (which the SDK's retryer retries: nothing was sent) goes to
// the next server, signed for it.
func (t *localTarget) addMiddleware(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("orders-local-target",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			req, ok := in.Request.(*smithyhttp.Request)
			target := t.current()
			if ok {
				if u, err := req.URL.Parse(target); err == nil {
					req.URL.Scheme, req.URL.Host = u.Scheme, u.Host
				}
			}
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil && refused(err) {
				if ferr := t.find(ctx, target); ferr != nil {
					return out, md, errors.Join(err, ferr)
				}
			}
			return out, md, err
		}), "Signing", middleware.Before)
}

// refused reports whether err is a connection the server refused, so the
// request was never sent.
func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

// localKey is the key that acts as the administrator of the emulator over
// dataDir: the data dir's root key when that emulator runs with --auth
// strict (the only key it accepts besides those it issued), otherwise the
// fixed local keys, which an open emulator takes as its administrator.
func localKey(dataDir string, strict bool) emulator.RootKey {
	if strict && dataDir != "" {
		if k, err := emulator.ReadRootKey(dataDir); err == nil {
			return k
		}
	}
	return emulator.RootKey{AccessKeyID: localAccessKey, SecretAccessKey: localSecretKey}
}

// servedStrict reports whether the emulator advertised in dataDir runs
// with --auth strict.
func servedStrict(dataDir string) bool {
	ep, err := emulator.ReadEndpoint(dataDir)
	return err == nil && ep.Auth == emulator.AuthStrict
}

func localAWSConfig(endpoint, region string, key emulator.RootKey) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""),
		Retryer:      func() aws.Retryer { return awsapi.NewRetryer() },
	}
}

// emulatorLog sends the in-process emulator's warnings (a dropped SNS
// delivery, a denied request) to emulator.log in the data dir, where a
// curious user finds them without them cluttering the command's output.
func emulatorLog(dataDir string) *slog.Logger {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "emulator.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil
	}
	// The file stays open for the life of the process: it is one short run.
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
