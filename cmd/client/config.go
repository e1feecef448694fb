package main

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tp0/loteria/cmd/internal/conf"
	"github.com/tp0/loteria/domain"
	"github.com/tp0/loteria/domain/logline"
)

// Batch defaults: batch.maxAmount, the most bets in one batch, and
// batch.window, the most batches sent and not acknowledged yet.
const (
	defaultBatchMaxAmount = 175
	defaultBatchWindow    = 32
	maxBatchWindow        = 256
	maxLoopAmount         = 1000000 // echo messages: loop.amount
)

// Config is the agency's configuration: the defaults, then the YAML file
// given with -config, then the environment variables in envKeys and
// betEnv.
type Config struct {
	ID             int           `koanf:"id"` // required
	ServerAddress  string        `koanf:"server.address"`
	LoopAmount     int           `koanf:"loop.amount"` // echo messages before the lottery; 0: none
	LoopPeriod     time.Duration `koanf:"loop.period"` // the wait after each echo message
	BatchMaxAmount int           `koanf:"batch.maxAmount"`
	BatchWindow    int           `koanf:"batch.window"` // batches in flight; 1 is stop-and-wait
	DataPath       string        `koanf:"data.path"`    // default .data/agency-{ID}.csv
	LogLevel       string        `koanf:"log.level"`
	Timeout        time.Duration `koanf:"server.timeout"` // each read or write on the socket
	RetryDeadline  time.Duration `koanf:"retry.deadline"` // give up after this long without progress
	WinnersTimeout time.Duration `koanf:"winners.timeout"`
	MinUptime      time.Duration `koanf:"exit.min_uptime"` // do not exit sooner after the start (a signal excepted)
	Secret         string        `koanf:"secret"`          // sent in the hello; never logged
	Bet            *SingleBet    `koanf:"-"`               // from betEnv only; nil unless set
}

// SingleBet is the one bet an agency can be given in its environment, sent
// before the bets of its data file.
type SingleBet struct {
	FirstName string
	LastName  string
	Document  string
	Birthdate string
	Number    int
}

// envKeys maps each environment variable the agency reads to its key.
// Other variables are ignored, and so is a variable set to "".
var envKeys = map[string]string{
	"CLI_ID":              "id",
	"CLI_SERVER_ADDRESS":  "server.address",
	"CLI_LOOP_AMOUNT":     "loop.amount",
	"CLI_LOOP_PERIOD":     "loop.period",
	"CLI_BATCH_MAXAMOUNT": "batch.maxAmount",
	"CLI_BATCH_WINDOW":    "batch.window",
	"CLI_DATA_PATH":       "data.path",
	"CLI_LOG_LEVEL":       "log.level",
	"CLI_TIMEOUT":         "server.timeout",
	"CLI_RETRY_DEADLINE":  "retry.deadline",
	"CLI_WINNERS_TIMEOUT": "winners.timeout",
	"CLI_MIN_UPTIME":      "exit.min_uptime",
	"CLI_SECRET":          "secret",
}

// betEnv lists the variables of the single bet, in SingleBet's order, with
// the bet field each one sets.
var betEnv = []struct {
	name  string
	field domain.Field
}{
	{"NOMBRE", domain.FieldFirstName},
	{"APELLIDO", domain.FieldLastName},
	{"DOCUMENTO", domain.FieldDocument},
	{"NACIMIENTO", domain.FieldBirthdate},
	{"NUMERO", domain.FieldNumber},
}

var spec = conf.Spec{Name: "client", Env: envKeys}

func defaultConfig() Config {
	return Config{
		ServerAddress:  "localhost:12345",
		LoopPeriod:     time.Second,
		BatchMaxAmount: defaultBatchMaxAmount,
		BatchWindow:    defaultBatchWindow,
		LogLevel:       "INFO",
		Timeout:        10 * time.Second,
		RetryDeadline:  30 * time.Second,
		WinnersTimeout: 10 * time.Minute,
	}
}

// loadConfig builds the configuration from the command line arguments
// (os.Args[1:]) and the environment ("KEY=value" strings).
func loadConfig(args, environ []string) (Config, error) {
	c := defaultConfig()
	if err := spec.Load(&c, args, environ); err != nil {
		return Config{}, err
	}
	if c.DataPath == "" {
		c.DataPath = filepath.Join(".data", fmt.Sprintf("agency-%d.csv", c.ID))
	}
	bet, err := singleBet(environ)
	if err != nil {
		return Config{}, err
	}
	c.Bet = bet
	return c, c.validate()
}

// singleBet reads the single bet from the environment: all of betEnv set
// (non-empty) or none.
func singleBet(environ []string) (*SingleBet, error) {
	var vals, missing []string
	for _, e := range betEnv {
		v := lookup(environ, e.name)
		if v == "" {
			missing = append(missing, e.name)
		}
		vals = append(vals, v)
	}
	switch len(missing) {
	case len(betEnv):
		return nil, nil
	case 0:
	default:
		return nil, fmt.Errorf("single bet: missing %s (set all of %s or none)",
			strings.Join(missing, ", "), betNames())
	}
	n, err := domain.ParseNumber(vals[4])
	if err != nil {
		return nil, fmt.Errorf("single bet: NUMERO: %w", err)
	}
	return &SingleBet{FirstName: vals[0], LastName: vals[1], Document: vals[2], Birthdate: vals[3], Number: n}, nil
}

// lookup returns the value of the last name=value in environ, like the
// env provider does, or "".
func lookup(environ []string, name string) string {
	for _, kv := range slices.Backward(environ) {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

func betNames() string {
	names := make([]string, len(betEnv))
	for i, e := range betEnv {
		names[i] = e.name
	}
	return strings.Join(names, ", ")
}

func (c Config) validate() error {
	ch := spec.Check()
	check := ch.That
	idOK := c.ID >= 1 && c.ID <= domain.MaxAgencies
	if c.ID == 0 {
		check(false, "id", "required: the agency's number, 1..%d", domain.MaxAgencies)
	} else {
		ch.Int("id", c.ID, 1, domain.MaxAgencies) // the hello's u32 must not wrap around
	}
	ch.Add(checkAddresses(c.ServerAddress))
	ch.Int("loop.amount", c.LoopAmount, 0, maxLoopAmount)
	ch.Duration("loop.period", c.LoopPeriod, 0, time.Hour)
	ch.Int("batch.maxAmount", c.BatchMaxAmount, 1, 10000)
	ch.Int("batch.window", c.BatchWindow, 1, maxBatchWindow)
	check(strings.TrimSpace(c.DataPath) != "", "data.path", "must not be blank")
	_, err := logline.ParseLevel(c.LogLevel)
	check(err == nil, "log.level", "%v", err)
	ch.Duration("server.timeout", c.Timeout, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("retry.deadline", c.RetryDeadline, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("winners.timeout", c.WinnersTimeout, conf.MinTimeout, conf.MaxTimeout)
	ch.Duration("exit.min_uptime", c.MinUptime, 0, time.Minute)
	if c.Bet != nil && idOK {
		ch.Add(c.Bet.validate(c.ID))
	}
	return ch.Err()
}

// servers returns the addresses of c.ServerAddress in order: a list
// separated by commas, each entry without the spaces around it. Call it on a
// validated Config.
func (c Config) servers() []string {
	addrs := strings.Split(c.ServerAddress, ",")
	for i, a := range addrs {
		addrs[i] = strings.TrimSpace(a)
	}
	return addrs
}

// checkAddresses checks list, the servers' addresses separated by commas:
// each one host:port (see addressProblem), none empty, none twice (host
// names compared regardless of case). A single address is reported as it
// always was; in a longer list each problem names its entry, as those of
// the server's auth.secrets do.
func checkAddresses(list string) error {
	ch := spec.Check()
	addrs := Config{ServerAddress: list}.servers()
	seen := make(map[string]int, len(addrs)) // lower-cased address to its entry
	for i, addr := range addrs {
		entry := ""
		if len(addrs) > 1 {
			entry = fmt.Sprintf("entry %d: ", i+1)
		}
		key, problem := strings.ToLower(addr), addressProblem(addr)
		switch {
		case addr == "" && len(addrs) > 1:
			ch.That(false, "server.address", "%sempty: the list is host:port,host:port,…", entry)
		case problem != "":
			ch.That(false, "server.address", "%s%s", entry, problem)
		case seen[key] > 0:
			ch.That(false, "server.address", "%s%q is entry %d already: list each server once", entry, addr, seen[key])
		default:
			seen[key] = i + 1
		}
	}
	return ch.Err()
}

// addressProblem returns what is wrong with addr, or "": it must be
// host:port, the port a number 1..65535 written in decimal (a service name
// such as http is not taken).
func addressProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be host:port, got %q", addr)
	}
	switch p, err := conf.ParseInt(port); {
	case err != nil:
		return fmt.Sprintf("the port %q: %v", port, err)
	case p < 1 || p > 65535:
		return fmt.Sprintf("the port must be 1..65535, got %d", p)
	}
	return ""
}

// validate checks the bet as a bet of agency id, naming the variable of
// the field at fault.
func (b SingleBet) validate(id int) error {
	err := domain.Bet{Agency: id, FirstName: b.FirstName, LastName: b.LastName,
		Document: b.Document, Birthdate: b.Birthdate, Number: b.Number}.Validate()
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		for _, e := range betEnv {
			if e.field == fe.Field {
				return fmt.Errorf("single bet: %s: %w", e.name, err)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("single bet: %w", err)
	}
	return nil
}

// logAttrs returns every setting as key/value pairs for the config line.
// Of the secret it says only whether there is one (auth), never its value;
// of the single bet, only that there is one.
func (c Config) logAttrs() []any {
	attrs := []any{
		"client_id", c.ID,
		"server_address", strings.Join(c.servers(), ","),
		"loop_amount", c.LoopAmount,
		"loop_period", c.LoopPeriod,
		"batch_max_amount", c.BatchMaxAmount,
		"batch_window", c.BatchWindow,
		"data_path", c.DataPath,
		"log_level", c.LogLevel,
		"timeout", c.Timeout,
		"retry_deadline", c.RetryDeadline,
		"winners_timeout", c.WinnersTimeout,
		"min_uptime", c.MinUptime,
		"auth", c.Secret != "",
	}
	if c.Bet != nil {
		attrs = append(attrs, "single_bet", true)
	}
	return attrs
}
