package betlogtest

import (
	"testing"

	"github.com/tp0/loteria/domain"
)

func TestDiffPrefix(t *testing.T) {
	s := newStreams(t, nil)
	acked, pending := s.group(3, 1, 2), s.group(3, 1)
	cat := func(parts ...[]domain.Row) (rows []domain.Row) {
		for _, p := range parts {
			rows = append(rows, p...)
		}
		return rows
	}
	for _, c := range []struct {
		name string
		got  []domain.Row
		ok   bool
	}{
		{"AckedOnly", acked, true},
		{"OnePending", cat(acked, pending[:1]), true},
		{"AllPending", cat(acked, pending), true},
		{"Nothing", nil, false},
		{"AckedMissing", cat(acked[:2], pending), false},
		{"PendingSkipped", cat(acked, pending[1:]), false},
		{"Extra", cat(acked, pending, pending[:1]), false},
		{"Reordered", cat(acked[1:], acked[:1]), false},
	} {
		if d := diffPrefix(c.got, acked, pending); (d == "") != c.ok {
			t.Errorf("%s: diffPrefix says %q, want ok=%v", c.name, d, c.ok)
		}
	}
}

func TestDiffDonePrefix(t *testing.T) {
	a, b, c := domain.Done{Agency: 1, Total: 2, Digest: 3}, domain.Done{Agency: 2}, domain.Done{Agency: 3, Total: 1, Digest: 9}
	for _, tc := range []struct {
		got []domain.Done
		ok  bool
	}{
		{[]domain.Done{a}, true},
		{[]domain.Done{a, b}, true},
		{nil, false},
		{[]domain.Done{b}, false},
		{[]domain.Done{a, c}, false},
		{[]domain.Done{a, b, b}, false},
	} {
		if d := diffDonePrefix(tc.got, []domain.Done{a}, []domain.Done{b}); (d == "") != tc.ok {
			t.Errorf("diffDonePrefix(%v) says %q, want ok=%v", tc.got, d, tc.ok)
		}
	}
}
