package snakefruit

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// DiffKind names one kind of disagreement between the bot's records and the folder.
type DiffKind string

const (
	// LineMissing: an owned file has no line. Reported, not re-added: a person may have taken
	// it off on purpose, and only the bot's owner can say whether to lock it again.
	LineMissing DiffKind = "line-missing"
	// FileMissing: an owned file is not in the folder. Reported: re-uploading needs the
	// source, which the caller has and Reconcile does not.
	FileMissing DiffKind = "file-missing"
	// DuplicateLine: an owned file has several lines. Repaired: the first stays.
	DuplicateLine DiffKind = "duplicate-line"
	// LineWithoutFile: a line the bot does not own names a file that is not in the folder.
	// Reported only: it is a person's line.
	LineWithoutFile DiffKind = "line-without-file"
	// FileWithoutLine: a .click file the bot does not own has no line (e.g. a superseded file
	// whose removal failed, or a person's upload in progress). Reported only.
	FileWithoutLine DiffKind = "file-without-line"
	// StrayTemp: a temp file of ours. Repaired: removed.
	StrayTemp DiffKind = "stray-temp"
)

// Difference is one disagreement found by Reconcile.
type Difference struct {
	Kind     DiffKind
	Name     string
	Repaired bool // Reconcile fixed it
}

func (d Difference) String() string {
	s := string(d.Kind) + " " + d.Name
	if d.Repaired {
		s += " (repaired)"
	}
	return s
}

// Reconcile compares owned (the filenames the bot believes it has locked) with the folder and
// the list, and returns the differences in a stable order. It repairs only what is the bot's
// beyond doubt and safe to do unasked: it removes temp files of ours and collapses duplicate
// lines of owned files to the first. Everything else is reported for a person or the caller to
// act on: the bot never re-adds a line someone removed, nor touches others' lines and files.
// Call it when no Lock or Unlock runs on t, since it sweeps temps.
func Reconcile(ctx context.Context, t Target, owned []string) ([]Difference, error) {
	files, lines, err := look(ctx, t)
	if err != nil {
		return nil, err
	}
	var temps []string
	for _, f := range files {
		if isTemp(f.Name) {
			temps = append(temps, f.Name)
		}
	}
	var diffs []Difference
	if len(temps) > 0 {
		if err := t.SweepTemps(ctx); err != nil {
			return nil, err
		}
		for _, name := range temps {
			diffs = append(diffs, Difference{StrayTemp, name, true})
		}
	}
	found := compare(files, lines, owned)
	var dupes []string
	for _, d := range found {
		if d.Kind == DuplicateLine {
			dupes = append(dupes, d.Name)
		}
	}
	if len(dupes) > 0 {
		err := t.EditList(ctx, func(lines []string) ([]string, error) { return DedupeLines(lines, dupes), nil })
		if err != nil {
			return nil, fmt.Errorf("snakefruit: reconcile: %w", err)
		}
	}
	for _, d := range found {
		d.Repaired = d.Kind == DuplicateLine
		diffs = append(diffs, d)
	}
	sortDifferences(diffs)
	return diffs, nil
}

// Differences is Reconcile without its repairs, for a look while the bot works: duplicate
// lines are reported as they are, and temp files left out (each operation retries removing
// those of ours that a failure left, and the start sweeps them).
func Differences(ctx context.Context, t Target, owned []string) ([]Difference, error) {
	files, lines, err := look(ctx, t)
	if err != nil {
		return nil, err
	}
	diffs := compare(files, lines, owned)
	sortDifferences(diffs)
	return diffs, nil
}

func look(ctx context.Context, t Target) ([]File, []string, error) {
	files, err := t.Files(ctx)
	if err != nil {
		return nil, nil, err
	}
	lines, err := t.ReadList(ctx)
	if err != nil {
		return nil, nil, err
	}
	return files, lines, nil
}

// compare finds the differences between owned, the folder's files and the list's lines,
// temp files aside.
func compare(files []File, lines, owned []string) []Difference {
	var diffs []Difference
	inFolder := make(map[string]bool, len(files))
	for _, f := range files {
		inFolder[f.Name] = true
	}
	count := make(map[string]int, len(lines))
	for _, l := range lines {
		count[l]++
	}
	isOwned := make(map[string]bool, len(owned))
	for _, name := range owned {
		if isOwned[name] {
			continue
		}
		isOwned[name] = true
		switch {
		case count[name] == 0:
			diffs = append(diffs, Difference{Kind: LineMissing, Name: name})
		case count[name] > 1:
			diffs = append(diffs, Difference{Kind: DuplicateLine, Name: name})
		}
		if !inFolder[name] {
			diffs = append(diffs, Difference{Kind: FileMissing, Name: name})
		}
	}
	for l := range count {
		if l != "" && !isOwned[l] && !inFolder[l] {
			diffs = append(diffs, Difference{Kind: LineWithoutFile, Name: l})
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name, ".click") && !isTemp(f.Name) && !isOwned[f.Name] && count[f.Name] == 0 {
			diffs = append(diffs, Difference{Kind: FileWithoutLine, Name: f.Name})
		}
	}
	return diffs
}

func sortDifferences(diffs []Difference) {
	slices.SortFunc(diffs, func(a, b Difference) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}
