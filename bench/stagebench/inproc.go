package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"

	"stagebot/app"
	"stagebot/config"
)

// inprocBot is `stagebot run --config FILE` assembled from the same app.Run, with CPU and
// heap profiles around it: the binary has no profiling hook, so a miss is profiled here.
func inprocBot(args []string) int {
	fs := flag.NewFlagSet("inproc-bot", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config file")
	cpu := fs.String("cpuprofile", "", "write a CPU profile here")
	heap := fs.String("memprofile", "", "write an allocation profile here at exit")
	tr := fs.String("trace", "", "write an execution trace here (for latency: go tool trace -pprof=sched)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*cfgPath, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *heap != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if *tr != "" {
		f, err := os.Create(*tr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { trace.Stop(); f.Close() }()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = app.Run(ctx, cfg, os.Stdin, os.Stdout, log)
	if *heap != "" {
		if f, ferr := os.Create(*heap); ferr == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err != nil {
		log.Error("stagebot stopped", "err", err)
		return 1
	}
	return 0
}
