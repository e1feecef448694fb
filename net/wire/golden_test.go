package wire_test

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

var update = flag.Bool("update", false, "rewrite golden files")

// oddBets have names with separators, quotes, emoji, CJK and a leading
// space, which the codec must carry byte for byte. The agency is not sent.
var oddBets = []domain.Bet{
	{FirstName: "Ana, María", LastName: `O"Brien`, Document: "01234567", Birthdate: "1990-05-17", Number: 7},
	{FirstName: " Juan", LastName: "Pérez+Gómez*", Document: "30904465", Birthdate: "1999-03-17", Number: 7574},
	{FirstName: "李", LastName: "小龍", Document: "12345678", Birthdate: "1940-11-27", Number: 0},
	{FirstName: "Zoë 🎲", LastName: "a:b|c;d", Document: "9999999999", Birthdate: "2000-02-29", Number: 9999},
}

// goldenCases holds at least one message of every type; each is kept
// encoded in testdata/<name>.golden.
var goldenCases = []struct {
	name string
	msg  wire.Message
}{
	{"hello", wire.Hello{Version: wire.Version, Agency: 3}},
	{"hello_secret", wire.Hello{Version: wire.Version, Agency: 0xFFFFFFFF, Secret: "s3cr3t-ñ"}},
	{"welcome", wire.Welcome{}},
	{"welcome_finished", wire.Welcome{Stored: 1<<40 + 5, Finished: true, Digest: 0xc0ffee42, Lottery: 0x0123456789abcdef, Date: "2026-12-01"}},
	{"batch", wire.Batch{First: 42, Bets: oddBets}},
	{"batch_empty", wire.Batch{First: 7}},
	{"ack", wire.Ack{First: 42, Count: 4, Stored: 46, Digest: 0xdeadbeef}},
	{"reject", wire.Reject{First: 42, Index: 2, Code: wire.CodeInvalidBet, Reason: "document: must be 1 to 10 ASCII digits"}},
	{"done", wire.Done{Total: 46, Digest: 0xdeadbeef}},
	{"done_ack", wire.DoneAck{}},
	{"winners_query", wire.WinnersQuery{}},
	{"winners_empty", wire.Winners{Last: true}},
	{"winners_more", wire.Winners{Documents: []string{"30904465", "0012345678"}}},
	{"winners_last", wire.Winners{Last: true, Documents: []string{"1"}}},
	{"ping_empty", wire.Ping{}},
	{"ping", wire.Ping{Payload: []byte("hola\x00\xff")}},
	{"pong_empty", wire.Pong{}},
	{"pong", wire.Pong{Payload: []byte("hola\x00\xff")}},
	{"error", wire.Error{Code: wire.CodeShuttingDown, Reason: "server shutting down"}},
	{"echo", wire.Echo{Text: "[CLIENT 1] Message N°1"}},
	{"echo_empty", wire.Echo{}},
}

func goldenPath(name string) string { return filepath.Join("testdata", name+".golden") }

func mustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustAppend(t, nil, tc.msg)
			if *update {
				if err := os.WriteFile(goldenPath(tc.name), got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := mustReadFile(t, goldenPath(tc.name))
			if !bytes.Equal(got, want) {
				t.Errorf("AppendFrame(%#v) =\n%x\nwant\n%x", tc.msg, got, want)
			}
			assertEqual(t, mustDecode(t, want), tc.msg)
		})
	}
}

// TestGoldenHeader checks every golden frame against the layout in doc.go:
// type byte, big-endian payload length, payload.
func TestGoldenHeader(t *testing.T) {
	for _, tc := range goldenCases {
		b := mustReadFile(t, goldenPath(tc.name))
		if len(b) < wire.HeaderSize || wire.Type(b[0]) != tc.msg.Type() {
			t.Errorf("%s: frame %x does not start with type %d", tc.name, b, tc.msg.Type())
			continue
		}
		if n := binary.BigEndian.Uint32(b[1:wire.HeaderSize]); int(n) != len(b)-wire.HeaderSize {
			t.Errorf("%s: header announces %d payload bytes, frame has %d", tc.name, n, len(b)-wire.HeaderSize)
		}
	}
}

func TestGoldenCoversEveryType(t *testing.T) {
	seen := map[wire.Type]bool{}
	for _, tc := range goldenCases {
		seen[tc.msg.Type()] = true
	}
	for typ := wire.TypeHello; typ <= wire.TypeEcho; typ++ {
		if !seen[typ] {
			t.Errorf("no golden case of type %s", typ)
		}
	}
}
