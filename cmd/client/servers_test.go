package main

import (
	"slices"
	"strings"
	"testing"
)

// TestConfigServerList: server.address takes several servers separated by
// commas, from the environment and from the file alike, in the order
// written, without the spaces around each; the config line lists them so.
// A single address is one server, as before.
func TestConfigServerList(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  []string
		want []string
	}{
		{"Single", nil, []string{"CLI_SERVER_ADDRESS=server:12345"}, []string{"server:12345"}},
		{"Default", nil, nil, []string{"localhost:12345"}},
		{"Env", nil, []string{"CLI_SERVER_ADDRESS=server1:12345,server2:12345,server3:12345"},
			[]string{"server1:12345", "server2:12345", "server3:12345"}},
		{"EnvSpaces", nil, []string{"CLI_SERVER_ADDRESS= server1:1 , [::1]:2,10.0.0.3:3 "},
			[]string{"server1:1", "[::1]:2", "10.0.0.3:3"}},
		{"File", []string{"-config", mustFile(t, "server:\n  address: b:1,a:1\n")}, nil, []string{"b:1", "a:1"}},
		{"EnvOverFile", []string{"-config", mustFile(t, "server:\n  address: b:1,a:1\n")}, []string{"CLI_SERVER_ADDRESS=c:1"}, []string{"c:1"}},
		{"SameHostOtherPort", nil, []string{"CLI_SERVER_ADDRESS=server:1,server:2"}, []string{"server:1", "server:2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.args, append([]string{"CLI_ID=1"}, tt.env...))
			if got := c.servers(); !slices.Equal(got, tt.want) {
				t.Errorf("servers = %q, want %q", got, tt.want)
			}
			attrs := c.logAttrs()
			if i := slices.Index(attrs, any("server_address")); i < 0 || attrs[i+1] != strings.Join(tt.want, ",") {
				t.Errorf("config line attrs %v, want server_address %q", attrs, strings.Join(tt.want, ","))
			}
		})
	}
}

// TestConfigServerListErrors: every entry of a list is checked as a single
// address is, and the error names the entry; an empty entry and a server
// listed twice are refused. Every problem of the list is reported at once.
func TestConfigServerListErrors(t *testing.T) {
	const key = "server.address (CLI_SERVER_ADDRESS): "
	for _, tt := range []struct {
		name string
		list string
		want []string // substrings of the error
	}{
		{"ErrNotHostPort", "a:1,b", []string{key + `entry 2: must be host:port, got "b"`}},
		{"ErrPortZero", "a:0,b:1", []string{key + "entry 1: the port must be 1..65535, got 0"}},
		{"ErrPortHigh", "a:1,b:65536", []string{key + "entry 2: the port must be 1..65535, got 65536"}},
		{"ErrPortLeadingZero", "a:1,b:01", []string{key + `entry 2: the port "01": write it in decimal, without leading zeros`}},
		{"ErrPortName", "a:http,b:1", []string{key + `entry 1: the port "http": must be a whole number in decimal digits`}},
		{"ErrEmpty", "a:1,,b:1", []string{key + "entry 2: empty: the list is host:port,host:port,…"}},
		{"ErrBlank", "a:1, ,b:1", []string{key + "entry 2: empty"}},
		{"ErrTrailingComma", "a:1,b:1,", []string{key + "entry 3: empty"}},
		{"ErrLeadingComma", ",a:1", []string{key + "entry 1: empty"}},
		{"ErrOnlyComma", ",", []string{key + "entry 1: empty", key + "entry 2: empty"}},
		{"ErrDuplicate", "a:1,b:1,a:1", []string{key + `entry 3: "a:1" is entry 1 already: list each server once`}},
		{"ErrDuplicateSpaces", "a:1, a:1", []string{key + `entry 2: "a:1" is entry 1 already`}},
		{"ErrDuplicateCase", "Server:1,server:1", []string{key + `entry 2: "server:1" is entry 1 already`}},
		{"ErrSeveral", "a,,b:0,c:1,c:1", []string{
			key + `entry 1: must be host:port, got "a"`,
			key + "entry 2: empty",
			key + "entry 3: the port must be 1..65535, got 0",
			key + `entry 5: "c:1" is entry 4 already`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, src := range []struct {
				name       string
				args, envs []string
			}{
				{"Env", nil, []string{"CLI_ID=1", "CLI_SERVER_ADDRESS=" + tt.list}},
				{"File", []string{"-config", mustFile(t, "server:\n  address: '"+tt.list+"'\n")}, []string{"CLI_ID=1"}},
			} {
				_, err := loadConfig(src.args, src.envs)
				if err == nil {
					t.Fatalf("%s: loadConfig(%q) succeeded, want an error", src.name, tt.list)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not contain %q", src.name, err, w)
					}
				}
			}
		})
	}
}
