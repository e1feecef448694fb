package csvfile

import (
	"bytes"
	"io"
	"os"
)

// cutTorn truncates f just after its last newline, dropping a final line
// torn by a crash mid-write, and returns the resulting size and the bytes
// cut.
func cutTorn(f *os.File) (size, cut int64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	end, err := lastLineEnd(f, fi.Size())
	if err != nil || end == fi.Size() {
		return end, 0, err
	}
	if err := f.Truncate(end); err != nil {
		return 0, 0, err
	}
	return end, fi.Size() - end, f.Sync()
}

// lastLineEnd returns the offset just after the last '\n' in the first size
// bytes of r, or 0 if there is none.
func lastLineEnd(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, min(size, readSize))
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := r.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}
