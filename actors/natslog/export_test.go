package natslog

// Break closes the log's connection under it, so that its next Append and
// Finish fail as they would with every NATS server lost.
func (l *Log) Break() { l.nc.Close() }

// ConnectedURL returns the URL of the NATS server the log is connected to.
func (l *Log) ConnectedURL() string { return l.nc.ConnectedUrl() }

// ForceReconnect drops the log's connection to its NATS server and lets
// nats.go reconnect, as a network blip or a restarted NATS node does.
func (l *Log) ForceReconnect() error { return l.nc.ForceReconnect() }
