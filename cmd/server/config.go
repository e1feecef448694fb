package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tp0/loteria/cmd/internal/conf"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
)

// Config is the server's configuration: the defaults, then the YAML file
// given with -config, then the environment variables in envKeys.
type Config struct {
	IP             string        `koanf:"server.ip"`
	Port           int           `koanf:"server.port"` // 0: any free port
	ListenBacklog  int           `koanf:"server.listen_backlog"`
	MaxConnections int           `koanf:"server.max_connections"` // without an accepted hello, at once
	Agencies       int           `koanf:"server.agencies"`        // 0: no lottery, echo and ping only
	Secrets        string        `koanf:"auth.secrets"`           // "1:s1,2:s2,…"; empty: open. Never logged
	StorePath      string        `koanf:"store.path"`             // the file backend's bets file
	StoreBackend   string        `koanf:"store.backend"`          // "file" or "jetstream"
	NatsURL        string        `koanf:"store.nats_url"`         // the jetstream backend's NATS servers, comma-separated
	StoreReplicas  int           `koanf:"store.replicas"`         // the jetstream backend's replicas: 1 or 3
	LogLevel       string        `koanf:"log.level"`
	IdleTimeout    time.Duration `koanf:"server.idle_timeout"`  // after hello, how long without a request that does work
	WriteTimeout   time.Duration `koanf:"server.write_timeout"` // each write to a connection
	HelloTimeout   time.Duration `koanf:"server.hello_timeout"` // how long a connection may go without hello
	LotteryDate    string        `koanf:"lottery.date"`         // YYYY-MM-DD; "": the store's, or today's for a new store
}

// envKeys maps each environment variable the server reads to its key.
// Other variables are ignored, and so is a variable set to "".
var envKeys = map[string]string{
	"SERVER_IP":              "server.ip",
	"SERVER_PORT":            "server.port",
	"SERVER_LISTEN_BACKLOG":  "server.listen_backlog",
	"SERVER_MAX_CONNECTIONS": "server.max_connections",
	"SERVER_AGENCIES":        "server.agencies",
	"SERVER_SECRETS":         "auth.secrets",
	"SERVER_STORE_PATH":      "store.path",
	"SERVER_STORE_BACKEND":   "store.backend",
	"SERVER_NATS_URL":        "store.nats_url",
	"SERVER_STORE_REPLICAS":  "store.replicas",
	"SERVER_LOG_LEVEL":       "log.level",
	"SERVER_IDLE_TIMEOUT":    "server.idle_timeout",
	"SERVER_WRITE_TIMEOUT":   "server.write_timeout",
	"SERVER_HELLO_TIMEOUT":   "server.hello_timeout",
	"SERVER_LOTTERY_DATE":    "lottery.date",
}

var spec = conf.Spec{Name: "server", Env: envKeys}

func defaultConfig() Config {
	return Config{
		IP:             "0.0.0.0",
		Port:           12345,
		ListenBacklog:  128,
		MaxConnections: 1024,
		Agencies:       5,
		StorePath:      "bets.csv",
		StoreBackend:   "file",
		NatsURL:        "nats://127.0.0.1:4222",
		StoreReplicas:  1,
		LogLevel:       "INFO",
		IdleTimeout:    60 * time.Second,
		WriteTimeout:   10 * time.Second,
		HelloTimeout:   5 * time.Second,
	}
}

// loadConfig builds the configuration from the command line arguments
// (os.Args[1:]) and the environment ("KEY=value" strings).
func loadConfig(args, environ []string) (Config, error) {
	c := defaultConfig()
	if err := spec.Load(&c, args, environ); err != nil {
		return Config{}, hideSecrets(err)
	}
	return c, c.validate()
}

// hideSecrets keeps the value of auth.secrets, which conf quotes when it
// does not decode (a YAML list, say), out of an error that gets logged.
func hideSecrets(err error) error {
	key := spec.KeyName("auth.secrets")
	if strings.HasPrefix(err.Error(), key+":") {
		return fmt.Errorf(`%s: must be text, "agency:secret,agency:secret,…"`, key)
	}
	return err
}

func (c Config) validate() error {
	ch := spec.Check()
	check := ch.That
	check(net.ParseIP(c.IP) != nil, "server.ip", "must be an IP address, got %q", c.IP)
	ch.Int("server.port", c.Port, 0, 65535) // 0: any free port
	ch.Int("server.listen_backlog", c.ListenBacklog, 1, 65535)
	ch.Int("server.max_connections", c.MaxConnections, 1, 65535)
	ch.Int("server.agencies", c.Agencies, 0, domain.MaxAgencies)
	switch {
	case c.Agencies == 0:
		check(strings.TrimSpace(c.Secrets) == "", "auth.secrets", "must be empty when server.agencies is 0: there is no agency to give a secret to")
	case c.Agencies > 0 && c.Agencies <= domain.MaxAgencies: // else not checked: which agencies need one is unknown
		_, errs := parseSecrets(c.Secrets, c.Agencies)
		for _, e := range errs {
			check(false, "auth.secrets", "%s", e)
		}
	}
	check(strings.TrimSpace(c.StorePath) != "", "store.path", "must not be empty")
	switch c.StoreBackend {
	case "file":
	case "jetstream":
		_, errs := parseNatsURLs(c.NatsURL)
		for _, e := range errs {
			check(false, "store.nats_url", "%s", e)
		}
		check(c.StoreReplicas == 1 || c.StoreReplicas == 3, "store.replicas", "must be 1 or 3, got %d", c.StoreReplicas)
	default:
		check(false, "store.backend", `must be "file" or "jetstream", got %q`, c.StoreBackend)
	}
	_, err := logline.ParseLevel(c.LogLevel)
	check(err == nil, "log.level", "%v", err)
	ch.Duration("server.idle_timeout", c.IdleTimeout, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("server.write_timeout", c.WriteTimeout, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("server.hello_timeout", c.HelloTimeout, conf.MinTimeout, conf.MaxTimeout)
	if c.LotteryDate != "" {
		_, err := domain.ParseDate(c.LotteryDate)
		check(err == nil, "lottery.date", "must be a real calendar date YYYY-MM-DD, got %q", c.LotteryDate)
	}
	return ch.Err()
}

// logAttrs returns every setting as key/value pairs for the config line.
func (c Config) logAttrs() []any {
	return []any{
		"ip", c.IP,
		"port", c.Port,
		"listen_backlog", c.ListenBacklog,
		"max_connections", c.MaxConnections,
		"agencies", c.Agencies,
		"auth", c.secrets() != nil, // never the secrets themselves
		"store_backend", c.StoreBackend,
		"store_path", c.StorePath,
		"nats_url", c.NatsURL,
		"store_replicas", c.StoreReplicas,
		"logging_level", c.LogLevel,
		"idle_timeout", c.IdleTimeout,
		"write_timeout", c.WriteTimeout,
		"hello_timeout", c.HelloTimeout,
		"lottery_date", c.LotteryDate,
	}
}

// secrets returns each agency's secret, or nil when none is configured
// (the server is then open). Call it on a validated Config.
func (c Config) secrets() map[int]string {
	if c.Agencies == 0 {
		return nil
	}
	m, _ := parseSecrets(c.Secrets, c.Agencies)
	return m
}

// parseSecrets parses "1:secret1,2:secret2,…" for agencies 1..n: each
// agency in range, once, with a non-empty secret without spaces; and, if
// any is given, every agency. An empty s means no secrets: nil. The
// problems found never quote the text, which may hold a secret.
func parseSecrets(s string, n int) (map[int]string, []string) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[int]string{}
	named := map[int]bool{}
	var errs []string
	fail := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("entry %d: ", i+1)+fmt.Sprintf(format, args...))
	}
	for i, entry := range strings.Split(s, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(entry), ":")
		a, err := conf.ParseInt(strings.TrimSpace(id))
		agency := int(a)
		switch {
		case !ok:
			fail(i, "not agency:secret")
		case errors.Is(err, conf.ErrLeadingZero):
			fail(i, "the agency: %v", err)
		case err != nil:
			fail(i, "the agency is not a number in decimal")
		case a < 1 || a > int64(n):
			fail(i, "agency %d is not in 1..%d", a, n)
		case named[agency]:
			fail(i, "agency %d has a secret already", agency)
		case secret == "" || strings.IndexFunc(secret, isSpaceOrControl) >= 0:
			named[agency] = true
			fail(i, "agency %d's secret is empty or has spaces or control characters", agency)
		default:
			named[agency] = true
			m[agency] = secret
		}
	}
	var missing []int
	for agency := 1; agency <= n; agency++ {
		if !named[agency] {
			missing = append(missing, agency)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Sprintf("no secret for agencies %s: once one agency has a secret, all %d need one", spans(missing), n))
	}
	return m, errs
}

func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// spans writes sorted numbers as runs: "2, 4-6, 9".
func spans(ns []int) string {
	var b strings.Builder
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(ns[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(ns[j]))
		}
		i = j + 1
	}
	return b.String()
}

// parseNatsURLs parses store.nats_url: NATS servers, comma-separated, each
// nats://host:port (or host:port), at least one, none twice.
func parseNatsURLs(s string) ([]string, []string) {
	var urls, errs []string
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		hostport := strings.TrimPrefix(entry, "nats://")
		host, port, err := net.SplitHostPort(hostport)
		p, perr := strconv.Atoi(port)
		switch {
		case entry == "":
			errs = append(errs, fmt.Sprintf("entry %d is empty", i+1))
		case err != nil || host == "" || strings.Contains(hostport, "/"):
			errs = append(errs, fmt.Sprintf("entry %d: want nats://host:port, got %q", i+1, entry))
		case perr != nil || p < 1 || p > 65535:
			errs = append(errs, fmt.Sprintf("entry %d: the port must be 1..65535, got %q", i+1, port))
		case slices.Contains(urls, "nats://"+hostport):
			errs = append(errs, fmt.Sprintf("entry %d: %s is given twice", i+1, entry))
		default:
			urls = append(urls, "nats://"+hostport)
		}
	}
	return urls, errs
}
