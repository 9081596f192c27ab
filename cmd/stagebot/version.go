package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are set at link time (-ldflags "-X main.version=...").
var (
	version = "dev"
	commit  = ""
)

func cmdVersion(w io.Writer) int {
	c := commit
	if c == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					c = s.Value
				}
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	fmt.Fprintf(w, "stagebot %s\ncommit %s\n%s\n", version, c, runtime.Version())
	return exitOK
}
