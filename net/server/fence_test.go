package server_test

import (
	"errors"
	"testing"

	"github.com/tp0/loteria/net/wire"
)

// TestNewerHelloFencesTheOlderConnection: a newer hello for an agency
// closes the agency's older connection with a fenced error, and the newer
// one is welcomed with exactly what the older one had stored.
func TestNewerHelloFencesTheOlderConnection(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	ctx := testCtx(t)
	older := mustDial(t, l)
	if _, err := older.HelloAs(ctx, wire.Hello{Agency: 1, Started: 100, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if err := sendAll(ctx, older, bets(1, 6), 3); err != nil {
		t.Fatal(err)
	}
	w, err := mustDial(t, l).HelloAs(ctx, wire.Hello{Agency: 1, Started: 100, Attempt: 2})
	if err != nil || w.Stored != 6 || w.Digest != digestOf(bets(1, 6)) {
		t.Fatalf("newer hello = %+v, %v; want stored 6 with their digest", w, err)
	}
	// The older connection learns of the fence from the store, beside its
	// requests: a ping already in flight may still be answered, but the
	// connection is then closed with fenced.
	var err2 error
	for range 100 {
		if _, err2 = older.Ping(ctx, []byte("x")); err2 != nil {
			break
		}
	}
	var e wire.Error
	if !errors.As(err2, &e) || e.Code != wire.CodeFenced {
		t.Fatalf("the older connection after the newer hello: %v, want a %s error", err2, wire.CodeFenced)
	}
}

// TestStaleHelloDoesNotFenceTheLiveConnection: a hello older than the
// agency's live connection — one its process gave up on, or a killed
// predecessor's, that the server handles late — is refused with fenced,
// and the live connection goes on to its done.
func TestStaleHelloDoesNotFenceTheLiveConnection(t *testing.T) {
	l := mustStart(t, options{agencies: 1})
	ctx := testCtx(t)
	live := mustDial(t, l)
	if _, err := live.HelloAs(ctx, wire.Hello{Agency: 1, Started: 200, Attempt: 3}); err != nil {
		t.Fatal(err)
	}
	for _, stale := range []wire.Hello{{Agency: 1, Started: 200, Attempt: 2}, {Agency: 1, Started: 100, Attempt: 7}} {
		var e wire.Error
		if _, err := mustDial(t, l).HelloAs(ctx, stale); !errors.As(err, &e) || e.Code != wire.CodeFenced {
			t.Fatalf("stale hello %+v = %v, want a %s error", stale, err, wire.CodeFenced)
		}
	}
	all := bets(1, 6)
	if err := sendAll(ctx, live, all, 3); err != nil {
		t.Fatalf("the live connection after stale hellos: %v", err)
	}
	if err := live.Done(ctx, 6, digestOf(all)); err != nil {
		t.Fatal(err)
	}
}
