package node

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/template"

	"github.com/mitchellh/mapstructure"
	"github.com/spf13/viper"
)

// AppConfig is the gatekeeper's own settings, the ones CometBFT's
// config.toml has no place for: how much history the node keeps on disk
// and the state sync snapshots it takes. They live in config/app.toml.
type AppConfig struct {
	// MinRetainBlocks is how many recent blocks the node keeps at least
	// (CometBFT prunes older ones); 0 keeps every block. The node keeps
	// more when the evidence age or its snapshots need it.
	MinRetainBlocks int64 `mapstructure:"min_retain_blocks"`
	// StateKeepRecent is how many past versions of the state stay
	// queryable with proofs (queries at a past height); 0 keeps all.
	StateKeepRecent int64 `mapstructure:"state_keep_recent"`
	// SnapshotInterval takes a state sync snapshot every that many
	// blocks; 0 takes none.
	SnapshotInterval int64 `mapstructure:"snapshot_interval"`
	// SnapshotKeepRecent is how many snapshots are kept and served.
	SnapshotKeepRecent int `mapstructure:"snapshot_keep_recent"`
}

// Defaults of app.toml.
const (
	// DefaultMinRetainBlocks is 14 days of blocks at one a second: the
	// workers' light-client trusting period (follow.DefaultTrustingPeriod).
	// A worker whose checkpoint is younger than that can resume, and
	// needs every block since its checkpoint (it verifies headers one by
	// one); one with an older checkpoint, or a chain older than that for a
	// worker starting from genesis, needs a new trust root anyway.
	DefaultMinRetainBlocks = 14 * 24 * 3600
	// DefaultStateKeepRecent keeps the state of about the last 2.8 hours
	// (at a block a second) provable: queries at a past height and the
	// dashboard's history, which reads 9,000 blocks back.
	DefaultStateKeepRecent = 10_000
	// DefaultSnapshotInterval takes a snapshot every 1,000 blocks.
	DefaultSnapshotInterval = 1_000
	// DefaultSnapshotKeepRecent keeps the last two.
	DefaultSnapshotKeepRecent = 2
)

// DefaultAppConfig returns app.toml's defaults.
func DefaultAppConfig() AppConfig {
	return AppConfig{
		MinRetainBlocks:    DefaultMinRetainBlocks,
		StateKeepRecent:    DefaultStateKeepRecent,
		SnapshotInterval:   DefaultSnapshotInterval,
		SnapshotKeepRecent: DefaultSnapshotKeepRecent,
	}
}

// ErrBadAppConfig is returned for settings that cannot work.
var ErrBadAppConfig = errors.New("invalid app.toml")

// Validate checks the settings.
func (c AppConfig) Validate() error {
	switch {
	case c.MinRetainBlocks < 0:
		return fmt.Errorf("%w: min_retain_blocks %d is negative", ErrBadAppConfig, c.MinRetainBlocks)
	case c.StateKeepRecent < 0:
		return fmt.Errorf("%w: state_keep_recent %d is negative", ErrBadAppConfig, c.StateKeepRecent)
	case c.SnapshotInterval < 0:
		return fmt.Errorf("%w: snapshot_interval %d is negative", ErrBadAppConfig, c.SnapshotInterval)
	case c.SnapshotInterval > 0 && c.SnapshotKeepRecent < 1:
		return fmt.Errorf("%w: snapshot_keep_recent must be at least 1 when snapshots are on", ErrBadAppConfig)
	}
	return nil
}

// AppConfigFile returns the path of a home's app.toml.
func AppConfigFile(home string) string { return filepath.Join(home, "config", "app.toml") }

var appConfigTemplate = template.Must(template.New("app.toml").Parse(`# Phalanx gatekeeper settings (CometBFT's own are in config.toml).
# docs/operations.md, "Disk", says what each one keeps.

# Blocks kept at least; older ones are pruned from the block store. 0 keeps
# every block. The node keeps more when the evidence age
# (consensus_params.evidence.max_age_num_blocks) or its state sync snapshots
# need it. The default is 14 days at one block a second, the workers'
# trusting period: a worker resuming from a checkpoint needs every block since.
min_retain_blocks = {{.MinRetainBlocks}}

# Past versions of the state kept queryable, with proofs (queries at an old
# height, the dashboard's history). 0 keeps all.
state_keep_recent = {{.StateKeepRecent}}

# A state sync snapshot every this many blocks (0: none), for new nodes
# that join by state sync; the last snapshot_keep_recent are kept.
snapshot_interval = {{.SnapshotInterval}}
snapshot_keep_recent = {{.SnapshotKeepRecent}}
`))

// WriteAppConfig writes home/config/app.toml.
func WriteAppConfig(home string, c AppConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := appConfigTemplate.Execute(&b, c); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(AppConfigFile(home), b.Bytes(), 0o600)
}

// LoadAppConfig reads home/config/app.toml over the defaults; a home made
// before app.toml existed has none and gets the defaults.
func LoadAppConfig(home string) (AppConfig, error) {
	c := DefaultAppConfig()
	path := AppConfigFile(home)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	// A misspelt setting is an error, not a default: these decide what
	// the node deletes.
	if err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) { dc.ErrorUnused = true }); err != nil {
		return c, fmt.Errorf("parse %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
