package csvfile

// Break closes the files under the log, so that its next Append and
// Finish fail, as a lost disk would.
func (l *Log) Break() {
	l.f.Close()
	l.donef.Close()
}
