package main

import (
	"fmt"
	"io"

	"stagebot/internal/buildinfo"
)

// version and commit are set at link time (-ldflags "-X main.version=..."); the rest of
// the program reads them from buildinfo.
var (
	version = "dev"
	commit  = ""
)

func init() { buildinfo.Version, buildinfo.Commit = version, commit }

func cmdVersion(w io.Writer) int {
	b := buildinfo.Get()
	fmt.Fprintf(w, "stagebot %s\ncommit %s\n%s\n", b.Version, b.Commit, b.GoVersion)
	return exitOK
}
