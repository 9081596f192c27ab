// Package buildinfo names the build a process runs: `stagebot version`, the start line of
// the log and the stagebot_build_info metric all read it here, so they cannot disagree.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version and Commit are what the binary was linked with (cmd/stagebot copies its
// -ldflags -X values here); Commit "" falls back to the build's VCS revision.
var (
	Version = "dev"
	Commit  = ""
)

// Info is one build's names.
type Info struct {
	Version   string
	Commit    string // "unknown" when neither the link nor the VCS stamp says
	GoVersion string
}

// Get is this process's build.
func Get() Info {
	c := Commit
	if c == "" {
		c = vcsRevision()
	}
	if c == "" {
		c = "unknown"
	}
	return Info{Version: Version, Commit: c, GoVersion: runtime.Version()}
}

func vcsRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}
