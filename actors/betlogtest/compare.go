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

// diffRows returns where got and want first differ, or "" if they are the
// same rows in the same order, byte for byte.
func diffRows(got, want []domain.Row) string {
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

// diffDones returns where got and want first differ, or "" if they are the
// same dones in the same order.
func diffDones(got, want []domain.Done) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("dones are\n\t%+v\nwant\n\t%+v", got, want)
}

// diffPrefix returns "" if got is acked followed by a prefix, possibly
// empty or whole, of pending, and else where it is not.
func diffPrefix(got, acked, pending []domain.Row) string {
	n := min(max(len(got)-len(acked), 0), len(pending))
	if d := diffRows(got, slices.Concat(acked, pending[:n])); d != "" {
		return fmt.Sprintf("want the %d rows acknowledged then a prefix of the %d not: %s", len(acked), len(pending), d)
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
