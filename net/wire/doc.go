// Package wire is the lottery's binary protocol: length-prefixed frames and
// the messages they carry. It knows nothing of connections; it reads from an
// io.Reader and writes to an io.Writer, so it can be tested alone.
//
// A frame is a 5-byte header — the message type (1 byte) and the payload
// length (4 bytes, big-endian) — followed by the payload. A whole frame,
// header included, is at most MaxFrameSize bytes: a sender never builds a
// larger one and a receiver refuses a header announcing more before it
// allocates anything. Payloads use big-endian integers and strings prefixed
// by their byte length (2 bytes) that must be valid UTF-8. Decoding is
// strict: a payload with bytes left over, or too few, is malformed.
//
// One message breaks the string rule on purpose: Echo (type 13), whose
// payload is its text raw, with no length prefix, so that the whole frame is
// the 5-byte header and the text. The server sends an Echo back in the
// identical frame, so the bytes a checker sends are the bytes it gets back,
// from this server and from a plain TCP echo server alike:
//
//	0d 00 00 00 05 68 6f 6c 61 21    echo "hola!"
package wire
