package storage

import (
	"slices"
	"strings"

	"stagebot"
)

func sortByCreated(rs []*stagebot.Request) {
	slices.SortStableFunc(rs, func(a, b *stagebot.Request) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
