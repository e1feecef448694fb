package betlogtest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tp0/loteria/actors/betlogtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemory(t *testing.T) {
	betlogtest.Test(t, func(*testing.T) betlogtest.Target { return betlogtest.NewMemory().Target() })
}
