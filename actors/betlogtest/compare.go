package betlogtest

import (
	"fmt"
	"slices"

	"github.com/tp0/loteria/domain"
)

// history is what a log replays: its rows, then its dones.
type history struct {
	rows  []domain.Row
	dones []domain.Done
}

// diffRows returns where got and want first differ, or "" if they hold
// the same rows, byte for byte, each agency's in the same order. A log
// keeps each agency's stream in order; how it orders the rows of
// different agencies appended together is its own (a shared log keeps
// one subject per agency), and the store never depends on it.
func diffRows(got, want []domain.Row) string {
	g, w := byAgency(got), byAgency(want)
	for _, a := range agencies(g, w) {
		if d := diffStream(g[a], w[a]); d != "" {
			return fmt.Sprintf("%d rows, want %d: agency %d's %s", len(got), len(want), a, d)
		}
	}
	return ""
}

// diffStream returns where one agency's rows got and want first differ.
func diffStream(got, want []domain.Row) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d is\n\t%+v\nwant\n\t%+v", i, got[i], want[i])
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("%d rows, want %d: row %d is extra:\n\t%+v", len(got), len(want), len(want), got[len(want)])
	case len(got) < len(want):
		return fmt.Sprintf("%d rows, want %d: row %d is missing:\n\t%+v", len(got), len(want), len(got), want[len(got)])
	}
	return ""
}

func byAgency(rows []domain.Row) map[int][]domain.Row {
	m := map[int][]domain.Row{}
	for _, r := range rows {
		m[r.Agency] = append(m[r.Agency], r)
	}
	return m
}

// agencies returns the agencies of every map given, in increasing order.
func agencies(ms ...map[int][]domain.Row) []int {
	var as []int
	for _, m := range ms {
		for a := range m {
			if !slices.Contains(as, a) {
				as = append(as, a)
			}
		}
	}
	slices.Sort(as)
	return as
}

// diffDones returns where got and want first differ, or "" if they are the
// same dones in the same order.
func diffDones(got, want []domain.Done) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("dones are\n\t%+v\nwant\n\t%+v", got, want)
}

// diffPrefix returns "" if each agency's rows in got are its rows in
// acked followed by a prefix, possibly empty or whole, of its rows in
// pending, and else where they are not.
func diffPrefix(got, acked, pending []domain.Row) string {
	g, a, p := byAgency(got), byAgency(acked), byAgency(pending)
	for _, ag := range agencies(g, a, p) {
		n := min(max(len(g[ag])-len(a[ag]), 0), len(p[ag]))
		if d := diffStream(g[ag], slices.Concat(a[ag], p[ag][:n])); d != "" {
			return fmt.Sprintf("want agency %d's %d rows acknowledged then a prefix of its %d not: %s", ag, len(a[ag]), len(p[ag]), d)
		}
	}
	return ""
}

// diffDonePrefix is diffPrefix for dones.
func diffDonePrefix(got, acked, pending []domain.Done) string {
	n := min(max(len(got)-len(acked), 0), len(pending))
	if len(got) > len(acked)+len(pending) || !slices.Equal(got, slices.Concat(acked, pending[:n])) {
		return fmt.Sprintf("dones are\n\t%+v\nwant\n\t%+v\nthen a prefix of\n\t%+v", got, acked, pending)
	}
	return ""
}
