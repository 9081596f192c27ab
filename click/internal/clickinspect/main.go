// Command clickinspect inspects one click in a process of its own and prints the result as
// JSON, so tests can measure Inspect's peak memory apart from the test binary (which may be
// built with -race and is large).
//
//	clickinspect FILE          print the Info as JSON
//	clickinspect -measure FILE run "clickinspect FILE" as a child and print
//	                           {"MaxRSS": bytes, "Info": {...}}
//
// -measure exists because Linux carries a parent's resident set into the ru_maxrss of a
// child it spawns (vfork shares the parent's memory until exec), so a big test process
// would inflate the number; this small process is the parent instead.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"stagebot/click"
)

func main() {
	switch {
	case len(os.Args) == 2:
		inspect(os.Args[1])
	case len(os.Args) == 3 && os.Args[1] == "-measure":
		measure(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: clickinspect [-measure] FILE.click")
		os.Exit(2)
	}
}

func inspect(path string) {
	info, err := click.InspectFile(path, click.Options{SHA512: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		os.Exit(1)
	}
}

func measure(path string) {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command(self, path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	result := struct {
		MaxRSS int64 // bytes (ru_maxrss is KiB on Linux)
		Info   json.RawMessage
	}{ru.Maxrss * 1024, bytes.TrimSpace(out.Bytes())}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		os.Exit(1)
	}
}
