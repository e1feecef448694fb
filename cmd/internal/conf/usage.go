package conf

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WantsHelp reports whether args ask for the usage: "help" as the first
// argument, or -h, -help or --help among the flags.
func (s Spec) WantsHelp(args []string) bool {
	if len(args) > 0 && args[0] == "help" {
		return true
	}
	fl, _ := s.flags()
	return errors.Is(fl.Parse(args), flag.ErrHelp)
}

// Usage writes the usage to w: head (what the binary does, how to call
// it, its subcommands), the flags, then a table of every environment
// variable in the Spec with its key and its default. The defaults are read
// from defaults, the struct Load fills (with `koanf:"key"` tags), in the
// order of its fields; notes, by key, replace the default shown where the
// zero value would mislead (a required key, say). The table is made from
// the Spec and the struct, so it cannot drift from what Load reads.
func (s Spec) Usage(w io.Writer, head string, defaults any, notes map[string]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\nFlags:\n", strings.TrimRight(head, "\n")+"\n")
	fl, _ := s.flags()
	fl.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(tw, "  -%s %s\t%s\n", f.Name, name, usage)
	})
	fmt.Fprintf(tw, "  -h, -help, --help\tprint this help and exit\n")
	fmt.Fprintf(tw, "\nEnvironment (over the -config file; a variable set to \"\" counts as unset):\n")
	fmt.Fprintf(tw, "  VARIABLE\tKEY\tDEFAULT\n")
	for _, kv := range s.defaults(defaults) {
		v := kv.value
		if n, ok := notes[kv.key]; ok {
			v = n
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.envName(kv.key), kv.key, v)
	}
	return tw.Flush()
}

type keyValue struct{ key, value string }

// defaults returns the key and default of every field of the struct
// defaults that the Spec's table names, in field order.
func (s Spec) defaults(defaults any) []keyValue {
	v := reflect.Indirect(reflect.ValueOf(defaults))
	var out []keyValue
	for i := range v.NumField() {
		key := v.Type().Field(i).Tag.Get("koanf")
		if s.envName(key) == "" {
			continue
		}
		out = append(out, keyValue{key, format(v.Field(i).Interface())})
	}
	return out
}

// envName returns the variable of key, or "".
func (s Spec) envName(key string) string {
	var names []string
	for e, k := range s.Env {
		if k == key {
			names = append(names, e)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// format writes a default as a user would write it.
func format(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case time.Duration:
		return v.String()
	}
	return fmt.Sprint(v)
}
