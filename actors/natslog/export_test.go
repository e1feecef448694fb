package natslog

// Break closes the log's connection under it, so that its next Append and
// Finish fail as they would with every NATS server lost.
func (l *Log) Break() { l.nc.Close() }
