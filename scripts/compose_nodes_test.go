package scripts_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestGeneratorOneNodeIsTheSingleServer: NODES=1, or NODES empty, writes
// byte for byte the file written without NODES, which the course's tests
// depend on.
func TestGeneratorOneNodeIsTheSingleServer(t *testing.T) {
	for _, tc := range []struct {
		n, golden string
		env       []string
	}{
		{"0", "compose-0", nil},
		{"1", "compose-1", nil},
		{"3", "compose-3", nil},
		{"5", "compose-5", nil},
		{"1", "compose-1-bet", []string{"BET=" + ej5Bet}},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", tc.golden+".golden.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, nodes := range []string{"NODES=1", "NODES="} {
			t.Run(tc.golden+"/"+nodes, func(t *testing.T) {
				out, stderr, err := generate(t, "generar-compose.sh", append([]string{nodes}, tc.env...), tc.n)
				if err != nil {
					t.Fatalf("%s generar-compose.sh %s: %v\n%s", nodes, tc.n, err, stderr)
				}
				if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s generar-compose.sh %s differs from %s.golden.yaml (%v):\n%s", nodes, tc.n, tc.golden, err, got)
				}
			})
		}
	}
}

// composeFile is the part of a compose file these tests read as written.
type composeFile struct {
	Services map[string]struct {
		Image     string
		Restart   string
		Command   []string
		Volumes   []string
		DependsOn map[string]struct{ Condition string } `yaml:"depends_on"`
	}
	Volumes map[string]any
}

func mustComposeFile(t *testing.T, path string) composeFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// serverPort is the port docker/server.yaml has the server listen on.
func serverPort(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docker", "server.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ Server struct{ Port int } }
	if err := yaml.Unmarshal(b, &cfg); err != nil || cfg.Server.Port == 0 {
		t.Fatalf("docker/server.yaml: port %d, %v", cfg.Server.Port, err)
	}
	return cfg.Server.Port
}

// TestGeneratorThreeNodes: with NODES=3 the file runs three NATS
// JetStream nodes as one cluster, three servers storing on all three
// (replicas 3), with the agency count and secrets the single server gets,
// and agencies that know all three servers.
func TestGeneratorThreeNodes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose-dev.yaml")
	if stderr, err := generateTo(out, "generar-compose.sh", []string{"NODES=3"}, "3"); err != nil {
		t.Fatalf("NODES=3 generar-compose.sh 3: %v\n%s", err, stderr)
	}
	validate(t, out)
	file := mustComposeFile(t, out)
	nats := []string{"nats1", "nats2", "nats3"}
	servers := []string{"server1", "server2", "server3"}
	want := slices.Concat(nats, servers, []string{"client1", "client2", "client3"})
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(file.Services)); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}

	t.Run("OneCluster", func(t *testing.T) {
		for _, name := range nats {
			svc := file.Services[name]
			if svc.Image != "tp0-nats:latest" || svc.Restart != "on-failure:3" {
				t.Errorf("%s: image %q, restart %q; want tp0-nats:latest, on-failure:3", name, svc.Image, svc.Restart)
			}
			node := mustNatsNode(t, svc.Command)
			var routes []string
			for _, other := range nats {
				if other != name {
					routes = append(routes, other+":6222")
				}
			}
			switch {
			case !node.shippedConf:
				t.Errorf("%s does not run with /config/nats.conf: %q", name, svc.Command)
			case node.name != name || node.clusterName != "loteria" || node.clusterPort != 6222:
				t.Errorf("%s runs as %q in cluster %q on %d; want %s in loteria on 6222", name, node.name, node.clusterName, node.clusterPort, name)
			case !slices.Equal(node.routes, routes):
				t.Errorf("%s routes to %v, want the other two nodes %v", name, node.routes, routes)
			case !node.jetStream || !node.syncAlways || node.storeDir != "/data":
				t.Errorf("%s: JetStream %v, sync always %v, store %q; want on, always, /data (the image's, writable)", name, node.jetStream, node.syncAlways, node.storeDir)
			}
			if !slices.Contains(svc.Volumes, "./docker/nats.conf:/config/nats.conf:ro") {
				t.Errorf("%s does not mount docker/nats.conf read-only: %q", name, svc.Volumes)
			}
		}
	})

	t.Run("FreshLotteryAfterDown", func(t *testing.T) {
		// As the single server's bets file, the nodes' stores are in their
		// containers: no named volume, only the configuration and data
		// files bound from the checkout.
		if len(file.Volumes) != 0 {
			t.Errorf("named volumes %v: down then up would resume the last lottery", slices.Sorted(maps.Keys(file.Volumes)))
		}
		for name, svc := range file.Services {
			for _, v := range svc.Volumes {
				if !strings.HasPrefix(v, "./") || !strings.HasSuffix(v, ":ro") {
					t.Errorf("%s mounts %q, want only read-only files of the checkout", name, v)
				}
			}
		}
	})

	t.Run("Servers", func(t *testing.T) {
		env := mustServices(t, out)
		secrets := mustSecrets(t, filepath.Join(dir, ".secrets"), 3)
		var list []string
		for i := 1; i <= 3; i++ {
			list = append(list, fmt.Sprintf("%d:%s", i, secrets[i]))
		}
		for _, name := range servers {
			want := map[string]string{
				"SERVER_AGENCIES":       "3",
				"SERVER_STORE_BACKEND":  "jetstream",
				"SERVER_NATS_URL":       "nats://nats1:4222,nats://nats2:4222,nats://nats3:4222",
				"SERVER_STORE_REPLICAS": "3",
			}
			if len(installedTools()) > 0 { // the env_file read as compose does
				want["SERVER_SECRETS"] = strings.Join(list, ",")
			}
			for k, v := range want {
				if got := env[name][k]; got != v {
					t.Errorf("%s: %s=%q, want %q", name, k, got, v)
				}
			}
			svc := file.Services[name]
			if svc.Image != "tp0-server:latest" || svc.Restart != "on-failure:3" {
				t.Errorf("%s: image %q, restart %q; want tp0-server:latest, on-failure:3", name, svc.Image, svc.Restart)
			}
			if got := slices.Sorted(maps.Keys(svc.DependsOn)); !slices.Equal(got, nats) {
				t.Errorf("%s starts after %v, want after the three nodes", name, got)
			}
		}
		// The URL names each node on the port it serves clients on.
		node := mustNatsNode(t, file.Services["nats1"].Command)
		if !strings.Contains(env["server1"]["SERVER_NATS_URL"], "nats://nats1:"+strconv.Itoa(node.port)) {
			t.Errorf("SERVER_NATS_URL %q does not reach nats1 on its port %d", env["server1"]["SERVER_NATS_URL"], node.port)
		}
	})

	t.Run("Agencies", func(t *testing.T) {
		env := mustServices(t, out)
		port := strconv.Itoa(serverPort(t))
		for i := 1; i <= 3; i++ {
			name := fmt.Sprintf("client%d", i)
			// Each agency starts at its own server: they spread.
			var addresses []string
			for k := range 3 {
				addresses = append(addresses, fmt.Sprintf("server%d:%s", (i-1+k)%3+1, port))
			}
			if got, want := env[name]["CLI_SERVER_ADDRESS"], strings.Join(addresses, ","); got != want {
				t.Errorf("%s: CLI_SERVER_ADDRESS=%q, want %q", name, got, want)
			}
			if got := env[name]["CLI_ID"]; got != strconv.Itoa(i) {
				t.Errorf("%s: CLI_ID=%q", name, got)
			}
			if got := slices.Sorted(maps.Keys(file.Services[name].DependsOn)); !slices.Equal(got, servers) {
				t.Errorf("%s starts after %v, want after the three servers", name, got)
			}
		}
	})
}
