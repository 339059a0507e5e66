package main

import (
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/node"
)

func TestInitWritesDiskAndStateSyncSettings(t *testing.T) {
	home := t.TempDir()
	hash := strings.Repeat("ab", 32)
	mustRun(t, "init", "--home", home, "--moniker", "joiner", "--min-retain-blocks", "5000", "--state-keep-recent", "100",
		"--snapshot-interval", "0", "--state-sync-rpc", "http://a:26657,http://b:26657", "--state-sync-trust-height", "1200", "--state-sync-trust-hash", hash)
	ac, err := node.LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if want := (node.AppConfig{MinRetainBlocks: 5000, StateKeepRecent: 100, SnapshotInterval: 0, SnapshotKeepRecent: node.DefaultSnapshotKeepRecent}); ac != want {
		t.Fatalf("app.toml %+v, want %+v", ac, want)
	}
	cfg, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	ss := cfg.StateSync
	if !ss.Enable || len(ss.RPCServers) != 2 || ss.RPCServers[1] != "http://b:26657" || ss.TrustHeight != 1200 || ss.TrustHash != hash {
		t.Fatalf("statesync %+v", ss)
	}
	// Without flags: the defaults, state sync off.
	other := t.TempDir()
	mustRun(t, "init", "--home", other)
	if ac, _ := node.LoadAppConfig(other); ac != node.DefaultAppConfig() {
		t.Fatalf("default app.toml %+v", ac)
	}
	if cfg, _ := node.LoadConfig(other); cfg.StateSync.Enable {
		t.Fatal("state sync on by default")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--state-sync-rpc", "http://a:26657", "--state-sync-trust-height", "5", "--state-sync-trust-hash", hash}, "at least two RPC servers"},
		{[]string{"--state-sync-rpc", "http://a:26657,http://a:26657", "--state-sync-trust-hash", hash}, "--state-sync-trust-height"},
		{[]string{"--state-sync-rpc", "http://a:26657,http://a:26657", "--state-sync-trust-height", "5", "--state-sync-trust-hash", "zz"}, "--state-sync-trust-hash"},
		{[]string{"--state-sync-trust-height", "5"}, "need --state-sync-rpc"},
		{[]string{"--min-retain-blocks", "-3"}, "min_retain_blocks -3 is negative"},
	} {
		out, err := run(t, "", append([]string{"init", "--home", t.TempDir()}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("init %v: %v (%s), want an error with %q", c.args, err, out, c.want)
		}
	}
}
