package report

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSmallest checks the heap selection against sorting everything.
func TestSmallest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	less := func(x, y int) bool { return x < y }
	for size := 0; size < 40; size++ {
		s := r.Perm(size * 3)[:size] // distinct, as less must be total
		want := slices.Sorted(slices.Values(s))
		for n := 0; n <= size+2; n++ {
			got := smallest(slices.Clone(s), n, less)
			if !slices.Equal(got, firstN(want, n)) {
				t.Fatalf("smallest(%v, %d) = %v, want %v", s, n, got, firstN(want, n))
			}
		}
	}
}
