package main

import (
	"net"
	"strings"
	"time"

	"github.com/tp0/loteria/cmd/internal/conf"
	"github.com/tp0/loteria/cmd/internal/logline"
)

// Config is the server's configuration: the defaults, then the YAML file
// given with -config, then the environment variables in envKeys.
type Config struct {
	IP            string        `koanf:"server.ip"`
	Port          int           `koanf:"server.port"` // 0: any free port
	ListenBacklog int           `koanf:"server.listen_backlog"`
	Agencies      int           `koanf:"server.agencies"`
	StorePath     string        `koanf:"store.path"`
	LogLevel      string        `koanf:"log.level"`
	IdleTimeout   time.Duration `koanf:"server.idle_timeout"`  // how long a connection may stay silent
	WriteTimeout  time.Duration `koanf:"server.write_timeout"` // each write to a connection
}

// envKeys maps each environment variable the server reads to its key.
// Other variables are ignored, and so is a variable set to "".
var envKeys = map[string]string{
	"SERVER_IP":             "server.ip",
	"SERVER_PORT":           "server.port",
	"SERVER_LISTEN_BACKLOG": "server.listen_backlog",
	"SERVER_AGENCIES":       "server.agencies",
	"SERVER_STORE_PATH":     "store.path",
	"SERVER_LOG_LEVEL":      "log.level",
	"SERVER_IDLE_TIMEOUT":   "server.idle_timeout",
	"SERVER_WRITE_TIMEOUT":  "server.write_timeout",
}

var spec = conf.Spec{Name: "server", Env: envKeys, Durations: durationKeys}

var durationKeys = []string{"server.idle_timeout", "server.write_timeout"}

func defaultConfig() Config {
	return Config{
		IP:            "0.0.0.0",
		Port:          12345,
		ListenBacklog: 128,
		Agencies:      5,
		StorePath:     "bets.csv",
		LogLevel:      "INFO",
		IdleTimeout:   60 * time.Second,
		WriteTimeout:  10 * time.Second,
	}
}

// loadConfig builds the configuration from the command line arguments
// (os.Args[1:]) and the environment ("KEY=value" strings).
func loadConfig(args, environ []string) (Config, error) {
	c := defaultConfig()
	if err := spec.Load(&c, args, environ); err != nil {
		return Config{}, err
	}
	return c, c.validate()
}

func (c Config) validate() error {
	ch := spec.Check()
	check := ch.That
	check(net.ParseIP(c.IP) != nil, "server.ip", "must be an IP address, got %q", c.IP)
	check(c.Port >= 0 && c.Port <= 65535, "server.port", "must be 0..65535, got %d", c.Port)
	check(c.ListenBacklog >= 1, "server.listen_backlog", "must be at least 1, got %d", c.ListenBacklog)
	check(c.Agencies >= 1 && c.Agencies <= 1000, "server.agencies", "must be 1..1000, got %d", c.Agencies)
	check(strings.TrimSpace(c.StorePath) != "", "store.path", "must not be empty")
	_, err := logline.ParseLevel(c.LogLevel)
	check(err == nil, "log.level", "%v", err)
	check(c.IdleTimeout > 0, "server.idle_timeout", "must be positive, got %v", c.IdleTimeout)
	check(c.WriteTimeout > 0, "server.write_timeout", "must be positive, got %v", c.WriteTimeout)
	return ch.Err()
}

// logAttrs returns every setting as key/value pairs for the config line.
func (c Config) logAttrs() []any {
	return []any{
		"ip", c.IP,
		"port", c.Port,
		"listen_backlog", c.ListenBacklog,
		"agencies", c.Agencies,
		"store_path", c.StorePath,
		"logging_level", c.LogLevel,
		"idle_timeout", c.IdleTimeout,
		"write_timeout", c.WriteTimeout,
	}
}
