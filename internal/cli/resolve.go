package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/config"
)

// defaultConfigFile is read when present and no --config names another.
const defaultConfigFile = "orders.yaml"

// notConfigurable are flags that make no sense in the environment or a file.
// --adopt takes over other people's resources: only ever on purpose, per run.
var notConfigurable = []string{"help", "version", flagConfig, flagAdopt}

// resolveConfig builds the run's config.Config for cmd, each setting from
// the first of: its flag, ORDERS_<FLAG>, the config file, the default. It
// uses its own viper instance (never viper's global one), so runs in one
// process do not leak into each other. It also gives cmd's other flags their
// ORDERS_* or file values, so commands simply read their flags.
func resolveConfig(cmd *cobra.Command) (config.Config, error) {
	flags := cmd.Flags()
	v := viper.New()
	file, err := configFile(flags)
	if err != nil {
		return config.Config{}, err
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return config.Config{}, fmt.Errorf("config file %s: %w", file, err)
		}
		if err := checkKeys(file, v.AllKeys(), cmd.Root()); err != nil {
			return config.Config{}, err
		}
	}

	names := map[string]bool{}
	for _, s := range settings {
		names[s.name] = true
	}
	flags.VisitAll(func(f *pflag.Flag) { names[f.Name] = !slices.Contains(notConfigurable, f.Name) })
	for name, ok := range names {
		if !ok {
			continue
		}
		if err := v.BindEnv(name, envName(name)); err != nil {
			return config.Config{}, err
		}
		if f := flags.Lookup(name); f != nil {
			if err := v.BindPFlag(name, f); err != nil {
				return config.Config{}, err
			}
		}
	}

	// src names where a setting's value came from, for error messages. It
	// looks at the flags as given, before env and file values are copied in.
	given := map[string]bool{}
	flags.Visit(func(f *pflag.Flag) { given[f.Name] = true })
	src := func(name string) string {
		if given[name] {
			return "--" + name
		}
		if os.Getenv(envName(name)) != "" { // viper ignores empty variables too
			return envName(name)
		}
		if file != "" && v.InConfig(name) {
			return fmt.Sprintf("config file %s: %s", file, name)
		}
		return "--" + name
	}

	cfg := config.Default()
	for _, s := range settings {
		if !v.IsSet(s.name) {
			continue
		}
		if err := s.set(&cfg, v.GetString(s.name)); err != nil {
			return config.Config{}, fmt.Errorf("%s: %w", src(s.name), err)
		}
	}
	// --local, or an orders emulator at the endpoint, runs the function on
	// this machine: deploy what it can execute.
	if !v.IsSet(config.FlagArch) && (cfg.Local || isOrdersEmulator(endpointURL(cfg))) {
		cfg.Arch = function.HostArch()
	}

	var errs []error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || !names[f.Name] || !v.IsSet(f.Name) {
			return
		}
		var err error
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			err = sv.Replace(v.GetStringSlice(f.Name))
		} else {
			err = flags.Set(f.Name, v.GetString(f.Name))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src(f.Name), err))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return config.Config{}, err
	}

	if err := cfg.Validate(); err != nil {
		return config.Config{}, renameSources(err, src)
	}
	return cfg, nil
}

// isOrdersEmulator reports whether an orders emulator answers at url.
func isOrdersEmulator(url string) bool {
	_, ok := ordersEmulatorAt(context.Background(), url)
	return ok
}

// renameSources rewrites Validate's problems, which name the flag, to name
// where the value really came from ("ORDERS_ARCH: must be ...").
func renameSources(err error, src func(string) string) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
		var fe *config.FieldError
		if errors.As(e, &fe) {
			if from := src(fe.Flag); from != "--"+fe.Flag {
				out[i] = fmt.Errorf("%s: %s", from, fe.Problem)
			}
		}
	}
	return errors.Join(out...)
}

// configFile is the file to read: --config (or ORDERS_CONFIG), which must
// exist, else ./orders.yaml if it exists, else none.
func configFile(flags *pflag.FlagSet) (string, error) {
	name := os.Getenv(envName(flagConfig))
	if f := flags.Lookup(flagConfig); f != nil && f.Changed {
		name = f.Value.String()
	}
	if name != "" {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("config file: %w", err)
		}
		return name, nil
	}
	if _, err := os.Stat(defaultConfigFile); err == nil {
		return defaultConfigFile, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("config file: %w", err)
	}
	return "", nil
}

// checkKeys refuses keys no command has a flag for, so a typo in the file
// is an error rather than a setting silently ignored.
func checkKeys(file string, keys []string, root *cobra.Command) error {
	known := map[string]bool{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.PersistentFlags(), c.Flags()} {
			fs.VisitAll(func(f *pflag.Flag) { known[f.Name] = !slices.Contains(notConfigurable, f.Name) })
		}
		for _, sub := range c.Commands() {
			// cobra's own commands: their flags are not settings
			if sub.Name() != "completion" && sub.Name() != "help" && !strings.HasPrefix(sub.Name(), "__") {
				walk(sub)
			}
		}
	}
	walk(root)
	var unknown []string
	for _, k := range keys {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	var valid []string
	for k, ok := range known {
		if ok {
			valid = append(valid, k)
		}
	}
	sort.Strings(valid)
	return fmt.Errorf("config file %s: unknown setting %s (settings are named like the flags: %s)",
		file, strings.Join(quoteAll(unknown), ", "), strings.Join(valid, ", "))
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	sort.Strings(q)
	return q
}
