package config

import "strings"

// nearest is the known key a mistyped one most likely meant, or "" when none is near: at
// most one edit (a letter missing, extra, wrong or two swapped) for short keys, two for
// keys of six letters or more, case aside.
func nearest(key string, known []string) string {
	best, bestDist := "", 0
	for _, k := range known {
		limit := 1
		if len(k) >= 6 {
			limit = 2
		}
		d := editDistance(strings.ToLower(key), k)
		if d <= limit && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each count one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
