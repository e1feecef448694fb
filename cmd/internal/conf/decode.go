package conf

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/providers/file"
	"go.yaml.in/yaml/v3"
)

// A value is read the same way from the -config file and from the
// environment: as the text written, which the type of its field then
// decodes by one strict rule. A whole number is decimal digits with at most
// a leading '-' (ParseInt); a duration is what time.ParseDuration reads
// (500ms, 10s, 1m, 1h: a unit is required); text is text. Nothing is
// converted on the way: a number is never read as octal, a fraction never
// truncated, a bool never turned into "1".

// Errors of ParseInt, also those of a whole-number setting.
var (
	ErrLeadingZero = errors.New("write it in decimal, without leading zeros")
	ErrBasePrefix  = errors.New("write it in decimal, without a 0x, 0o or 0b prefix")
	ErrFraction    = errors.New("must be a whole number, without a fraction or an exponent")
	ErrNotDecimal  = errors.New("must be a whole number in decimal digits, like 12345 (no '+', spaces or '_')")
	ErrOutOfRange  = errors.New("out of range")
)

// ParseInt reads s as a whole number in decimal: digits 0-9, with an
// optional '-' in front, and no leading zero (only "0" itself starts with
// one). Go's and YAML's readers take 012345 for octal 5349, and 0x1f, 0o17,
// 0b11, 1_000 or +12 for numbers too; ParseInt refuses them all, with an
// error that says how to write the number.
func ParseInt(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, notDecimal(digits)
	}
	if len(digits) > 1 && digits[0] == '0' {
		return 0, ErrLeadingZero
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrOutOfRange // the only error left
	}
	return n, nil
}

// notDecimal says why digits, s without its '-', is not a decimal number.
func notDecimal(digits string) error {
	switch {
	case len(digits) > 1 && digits[0] == '0' && strings.ContainsRune("xXoObB", rune(digits[1])):
		return ErrBasePrefix
	case strings.ContainsAny(digits, ".eE"):
		if _, err := strconv.ParseFloat(digits, 64); err == nil {
			return ErrFraction
		}
	}
	return ErrNotDecimal
}

var durationType = reflect.TypeFor[time.Duration]()

// decoderConfig decodes a Koanf's values into a struct strictly: without
// mapstructure's weak typing, text goes only into text, and decodeHook
// reads whole numbers and durations.
func decoderConfig() *mapstructure.DecoderConfig {
	return &mapstructure.DecoderConfig{DecodeHook: decodeHook}
}

// decodeHook decodes data for a field of type to: a duration or a whole
// number from its text. Other fields take data as it is.
func decodeHook(_, to reflect.Type, data any) (any, error) {
	switch {
	case to == durationType:
		return decodeDuration(data)
	case to.Kind() >= reflect.Int && to.Kind() <= reflect.Uint64:
		return decodeInt(to, data)
	}
	return data, nil
}

// decodeDuration reads a duration from its text.
func decodeDuration(data any) (any, error) {
	switch v := data.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("must be a duration with a unit, like 30s: %w", err)
		}
		return d, nil
	}
	return nil, errors.New("must be a duration with a unit, like 30s")
}

// decodeInt reads a whole number of type to from its text (ParseInt), or
// takes one that is already a whole number, so long as it fits: nothing
// wraps around.
func decodeInt(to reflect.Type, data any) (any, error) {
	v := reflect.ValueOf(data)
	var n int64
	switch k := v.Kind(); {
	case k == reflect.String:
		var err error
		if n, err = ParseInt(v.String()); err != nil {
			return nil, err
		}
	case k >= reflect.Int && k <= reflect.Int64:
		n = v.Int()
	case k >= reflect.Uint && k <= reflect.Uint64:
		if v.Uint() > 1<<63-1 {
			return nil, ErrOutOfRange
		}
		n = int64(v.Uint())
	default:
		return nil, ErrNotDecimal
	}
	out := reflect.New(to).Elem()
	if out.CanInt() {
		if out.OverflowInt(n) {
			return nil, ErrOutOfRange
		}
		out.SetInt(n)
	} else {
		if n < 0 || out.OverflowUint(uint64(n)) {
			return nil, ErrOutOfRange
		}
		out.SetUint(uint64(n))
	}
	return out.Interface(), nil
}

// textFile is the -config file as koanf's file provider reads it, with
// each number, bool and timestamp quoted as the text written, for koanf's
// YAML parser. YAML types a plain scalar as it parses it, and
// go.yaml.in/yaml/v3 reads port: 012345 as octal 5349, 0o12 as 10, 0x1f,
// 1_000 and +12 as numbers, 1.5 as a float (which mapstructure then
// truncates to 1), true as a bool (turned into "1" for a text key) and
// 2026-12-01 as a timestamp. What was written is gone once a value is
// typed, so it is kept here, from the parser's nodes: every such scalar is
// retagged as text, and decodeHook reads it as it reads an environment
// variable. A null (an empty value, ~) stays null, which leaves the key at
// its default, as an empty variable does.
type textFile struct{ *file.File }

// ReadBytes returns the file's YAML with its typed scalars made text.
func (f textFile) ReadBytes() ([]byte, error) {
	b, err := f.File.ReadBytes()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return b, nil // an empty file, or only comments
	}
	asText(&doc)
	return yaml.Marshal(&doc)
}

// asText retags the typed scalars under n as text. An alias is the node it
// names, which is in the tree itself, so aliases are not followed.
func asText(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int", "!!float", "!!bool", "!!timestamp":
			n.Tag = "!!str"
		}
	}
	for _, c := range n.Content {
		asText(c)
	}
}
