package node

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestAppConfigDefaultsRoundTripAndRefusals(t *testing.T) {
	home := t.TempDir()
	c, err := LoadAppConfig(home) // a home from before app.toml
	if err != nil || c != DefaultAppConfig() {
		t.Fatalf("no app.toml: %+v %v", c, err)
	}
	if c.MinRetainBlocks != 1_209_600 || c.StateKeepRecent != 10_000 || c.SnapshotInterval != 1000 || c.SnapshotKeepRecent != 2 {
		t.Fatalf("defaults %+v", c)
	}
	want := AppConfig{MinRetainBlocks: 500, StateKeepRecent: 0, SnapshotInterval: 0, SnapshotKeepRecent: 0}
	if _, err := Init(home, InitOptions{App: &want}); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadAppConfig(home); err != nil || got != want {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, want)
	}
	raw, _ := os.ReadFile(AppConfigFile(home))
	misspelt := strings.Replace(string(raw), "min_retain_blocks", "min_retain_block", 1)
	if err := os.WriteFile(AppConfigFile(home), []byte(misspelt), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), "min_retain_block") {
		t.Fatalf("misspelt setting: %v", err)
	}
	negative := strings.Replace(string(raw), "min_retain_blocks = 500", "min_retain_blocks = -1", 1)
	if err := os.WriteFile(AppConfigFile(home), []byte(negative), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAppConfig(home); !errors.Is(err, ErrBadAppConfig) {
		t.Fatalf("negative min_retain_blocks: %v", err)
	}
	if err := (AppConfig{SnapshotInterval: 10}).Validate(); !errors.Is(err, ErrBadAppConfig) {
		t.Fatalf("snapshots kept: 0: %v", err)
	}
}
