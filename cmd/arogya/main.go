// Command arogya runs Arogya: the ABDM building blocks in one binary.
//
//	arogya serve [flags]         run the node (all roles by default)
//	arogya demo [flags]          serve and seed a synthetic population
//	arogya migrate [flags]       apply database migrations and report
//	arogya audit verify [flags]  check the audit log's hash chain
//	arogya load [flags]          seed and load-test a node (see BENCHMARKS.md)
//	arogya version               print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `arogya: India's ABDM building blocks (ABHA Health IDs, registries, consent, health data exchange) in one binary.

Usage:
  arogya serve        run the node: all roles by default (--roles to choose)
  arogya demo         like serve, and seed a synthetic population on an empty data dir
  arogya migrate      apply database migrations and print the schema version
  arogya audit verify check the audit log's hash chain; exit 1 if broken
  arogya import       import facilities, professionals or drugs from CSV
  arogya export       export them as CSV
  arogya load         seed ABHAs and registries in bulk, load-test a running node
  arogya fidelius     ABDM health-data encryption as fidelius-cli does it: keys, encrypt, decrypt
  arogya version      print the version

Run "arogya <command> -h" for the flags of a command. Every flag can also be
set with an AROGYA_* environment variable (--data → AROGYA_DATA).
`

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], getenv, stdout, stderr, false)
	case "demo":
		err = cmdServe(ctx, args[1:], getenv, stdout, stderr, true)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprintln(stderr, "usage: arogya audit verify [flags]")
			return 2
		}
		err = cmdAuditVerify(ctx, args[2:], getenv, stdout, stderr)
	case "load":
		err = cmdLoad(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		err = cmdImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		err = cmdExport(ctx, args[1:], getenv, stdout, stderr)
	case "fidelius":
		err = cmdFidelius(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		printVersion(stdout)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "arogya: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if err == errUsage {
			return 2
		}
		if err == errFailed {
			return 1
		}
		fmt.Fprintf(stderr, "arogya %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
