// Command convkit is the command-line front end of convkit, a toolkit for
// compact CNNs built from factorized convolutions.
//
// Usage:
//
//	convkit <command> [flags]
//	convkit help [command]
//
// Each command lives in its own file of this package and registers a
// constructor for itself from an init function:
//
//	func init() { register(newCostCmd) }
//
// so adding a command never means editing main.go. Run "convkit help" for
// the list of commands.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release version, set at link time with
//
//	go build -ldflags "-X main.version=v0.1.0" ./cmd/convkit
//
// When it is empty the module version from the build information is used
// (set by "go install ...@version"), else "dev".
var version string

// commands holds the constructors of the top-level commands, in
// registration order (cobra sorts them by name in help).
var commands []func() *cobra.Command

// register adds a top-level command. Call it from an init function in the
// command's own file. A constructor, rather than a shared *cobra.Command,
// lets every run (and every test) start from a fresh command tree with
// default flag values.
func register(newCmd func() *cobra.Command) { commands = append(commands, newCmd) }

func init() { register(newVersionCmd) }

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "convkit",
		Short: "Compact CNNs from factorized convolutions",
		Long: `convkit builds, costs, runs and trains compact convolutional networks made of
factorized convolutions: group, depthwise, pointwise and depthwise separable
convolutions (MobileNets), channel shuffle (ShuffleNet) and channel-wise
convolutions (ChannelNets).`,
		Version:       versionString(),
		SilenceUsage:  true, // errors are reported once, by run, without the usage text
		SilenceErrors: true,
	}
	root.SetVersionTemplate("convkit {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (run '%s --help' for usage)", err, c.CommandPath())
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

// versionString returns the version to report.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of convkit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "convkit %s (%s %s/%s)\n",
				versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// run executes the command line args, writing to stdout and stderr, and
// returns the process exit status: 0 on success, 1 on any error.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "convkit: %v\n", err)
		return 1
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
