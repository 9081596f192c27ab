package workflow

import "stagebot/intake"

func sourcePath(p string) intake.Source { return intake.Source{Kind: intake.FromPath, Value: p} }
