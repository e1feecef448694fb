package wire

import "fmt"

// Code says why a batch was rejected or a connection closed.
type Code uint16

// The codes.
const (
	CodeMalformed          Code = 1  // a frame or payload that does not decode
	CodeUnsupportedVersion Code = 2  // hello with a version this server does not speak
	CodeUnexpected         Code = 3  // a message not allowed now (before hello, a second hello, …)
	CodeUnknownAgency      Code = 4  // agency outside 1..N
	CodeUnauthorized       Code = 5  // wrong or missing secret
	CodeInvalidBet         Code = 6  // a bet breaks a rule; Reject.Index says which
	CodeOutOfOrder         Code = 7  // a batch starts past the bets stored so far
	CodeClosed             Code = 8  // new bets after the agency's done or after the draw
	CodeIncomplete         Code = 9  // done with a total the server has not stored
	CodeBusy               Code = 10 // too many connections
	CodeShuttingDown       Code = 11 // the server is stopping
	CodeTimeout            Code = 12 // the peer was silent too long
	CodeInternal           Code = 13 // the server failed (storage)
	CodeConflict           Code = 14 // bets or a done whose content differs from the bets stored at those positions
	CodeFenced             Code = 15 // a newer connection of the same agency took over; the older one is closed
)

var codeNames = [...]string{
	CodeMalformed: "malformed", CodeUnsupportedVersion: "unsupported_version",
	CodeUnexpected: "unexpected", CodeUnknownAgency: "unknown_agency",
	CodeUnauthorized: "unauthorized", CodeInvalidBet: "invalid_bet",
	CodeOutOfOrder: "out_of_order", CodeClosed: "closed", CodeIncomplete: "incomplete",
	CodeBusy: "busy", CodeShuttingDown: "shutting_down", CodeTimeout: "timeout",
	CodeInternal: "internal", CodeConflict: "conflict", CodeFenced: "fenced",
}

// String returns the code's name, like "invalid_bet".
func (c Code) String() string {
	if int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", uint16(c))
}
