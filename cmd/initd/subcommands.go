package main

import (
	"context"
	"fmt"
	"io"
)

func runWaitCommand(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "initd: %s is not available in this build\n", name)
	return exitUsage
}

func runRender(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "initd: render is not available in this build")
	return exitUsage
}

func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, rest, err := parseOptions(args, getenv, func(*optDef) bool { return true })
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	o.command = rest
	if len(rest) > 0 {
		if _, err := lookPath(rest[0], nil); err != nil {
			fmt.Fprintf(stderr, "initd: %v\n", err)
			return exitUsage
		}
	}
	fmt.Fprintln(stdout, "configuration is valid")
	return 0
}
