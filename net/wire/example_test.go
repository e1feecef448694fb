package wire_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/net/wire"
)

func ExampleWriteMessage() {
	var conn bytes.Buffer // stands in for a net.Conn
	if err := wire.WriteMessage(&conn, wire.Done{Total: 3, Digest: 0x1234abcd}); err != nil {
		fmt.Println(err)
		return
	}
	b := conn.Bytes()
	fmt.Printf("type %x | length %x | payload %x\n", b[:1], b[1:wire.HeaderSize], b[wire.HeaderSize:])
	// Output:
	// type 06 | length 0000000c | payload 00000000000000031234abcd
}

func ExampleReadMessage() {
	var conn bytes.Buffer // stands in for a net.Conn
	_ = wire.WriteMessage(&conn, wire.Hello{Version: wire.Version, Agency: 3})
	_ = wire.WriteMessage(&conn, wire.Batch{First: 0, Bets: []domain.Bet{
		{FirstName: "Santiago Lionel", LastName: "Lorca", Document: "30904465", Birthdate: "1999-03-17", Number: 7574},
	}})
	_ = wire.WriteMessage(&conn, wire.Done{Total: 1})

	buf := make([]byte, wire.MaxPayload) // reused for every frame
	for {
		m, err := wire.ReadMessage(&conn, buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch m := m.(type) {
		case wire.Hello:
			fmt.Printf("hello from agency %d\n", m.Agency)
		case wire.Batch:
			b := m.Bets[0]
			fmt.Printf("batch at %d: %d bet(s), %s %s plays %d\n", m.First, len(m.Bets), b.FirstName, b.LastName, b.Number)
		case wire.Done:
			fmt.Printf("done, %d bet(s)\n", m.Total)
		}
	}
	// Output:
	// hello from agency 3
	// batch at 0: 1 bet(s), Santiago Lionel Lorca plays 7574
	// done, 1 bet(s)
}

func ExampleSplitWinners() {
	docs := make([]string, 1000)
	for i := range docs {
		docs[i] = fmt.Sprintf("%010d", i) // ten-digit documents
	}
	for _, w := range wire.SplitWinners(docs) {
		frame, _ := wire.AppendFrame(nil, w)
		fmt.Printf("%d documents, last %t, %d bytes\n", len(w.Documents), w.Last, len(frame))
	}
	// Output:
	// 682 documents, last false, 8192 bytes
	// 318 documents, last true, 3824 bytes
}

// An echo's frame is the header and the text, raw: what a plain TCP echo
// server returns is a valid echo too.
func ExampleEcho() {
	frame, _ := wire.AppendFrame(nil, wire.Echo{Text: "hola!"})
	fmt.Printf("% x\n", frame)
	m, _ := wire.ReadMessage(bytes.NewReader(frame), nil)
	fmt.Printf("%q\n", m.(wire.Echo).Text)
	// Output:
	// 0d 00 00 00 05 68 6f 6c 61 21
	// "hola!"
}

// A Framer queues frames and writes them in one Write; at the other end a
// Framer reads them back, each payload in the same reused buffer.
func ExampleFramer() {
	var conn bytes.Buffer // stands in for a net.Conn
	out := wire.NewFramer(&conn, nil)
	for i := range 3 {
		if _, err := out.Queue(wire.Ack{First: uint64(10 * i), Count: 10, Stored: uint64(10*i + 10)}); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("%d bytes queued\n", out.Buffered())
	if err := out.Flush(); err != nil {
		fmt.Println(err)
		return
	}

	in := wire.NewFramer(nil, &conn)
	for {
		m, err := in.ReadMessage()
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		ack := m.(wire.Ack)
		fmt.Printf("ack of %d bets at %d, %d stored\n", ack.Count, ack.First, ack.Stored)
	}
	// Output:
	// 81 bytes queued
	// ack of 10 bets at 0, 10 stored
	// ack of 10 bets at 10, 20 stored
	// ack of 10 bets at 20, 30 stored
}
