package module

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Block describes the block being executed. Time is the block's BFT time:
// the only clock the chain knows.
type Block struct {
	ChainID string
	Height  int64
	Time    time.Time
}

// Context is what a message handler or block hook gets: the state to read
// and write, the block, the transaction's sender and gas meter, and the
// events it emits. A Context is used by one goroutine.
type Context struct {
	Block  Block
	Sender crypto.Address // zero outside a transaction
	Log    *slog.Logger
	// Check is true when the transaction is being checked for the mempool
	// rather than executed in a block; handlers behave the same either way.
	Check bool
	// FeeHold is the transaction's largest fee, taken from Sender's
	// balance before its messages run (what is unused is refunded after):
	// a refusal for want of funds states it apart from the balance.
	FeeHold pha.Amount

	kv      store.KV
	gas     *GasMeter
	events  []abci.Event
	updates []ValidatorUpdate
}

// ValidatorUpdate changes a validator's voting power: zero removes it.
// The application hands the block's updates to CometBFT, which applies
// them two blocks later.
type ValidatorUpdate struct {
	Key   crypto.PublicKey // ed25519 consensus key
	Power int64
}

// UpdateValidators adds validator updates for the block (end of block
// only).
func (c *Context) UpdateValidators(u ...ValidatorUpdate) { c.updates = append(c.updates, u...) }

// ValidatorUpdates returns the validator updates made in this context.
func (c *Context) ValidatorUpdates() []ValidatorUpdate { return c.updates }

// NewContext returns a context over kv. With a nil meter, state access is
// free (block hooks, genesis).
func NewContext(kv store.KV, block Block, sender crypto.Address, meter *GasMeter, log *slog.Logger) *Context {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Context{Block: block, Sender: sender, Log: log, kv: kv, gas: meter}
	if meter != nil {
		c.kv = gasKV{kv: kv, meter: meter, costs: DefaultGasCosts()}
	}
	return c
}

// WithGasCosts sets the state access prices (from the chain's parameters).
func (c *Context) WithGasCosts(costs GasCosts) *Context {
	if g, ok := c.kv.(gasKV); ok {
		g.costs = costs
		c.kv = g
	}
	return c
}

// Store returns the state, charged to the gas meter if there is one.
func (c *Context) Store() store.KV { return c.kv }

// Gas returns the meter; nil outside a transaction.
func (c *Context) Gas() *GasMeter { return c.gas }

// ConsumeGas charges n gas for what; without a meter it is free.
func (c *Context) ConsumeGas(n uint64, what string) error {
	if c.gas == nil {
		return nil
	}
	return c.gas.Consume(n, what)
}

// Attr is one event attribute. Indexed attributes can be searched through
// CometBFT's tx_search and subscriptions. The value is formatted only if
// the event is kept: mempool checks drop events, and formatting addresses
// in bech32 is a measurable part of a transfer's cost.
type Attr struct {
	Key   string
	Value fmt.Stringer
	Index bool
}

// Text is a string as an attribute value.
type Text string

func (t Text) String() string { return string(t) }

// Uint is a number as an attribute value.
type Uint uint64

func (u Uint) String() string { return strconv.FormatUint(uint64(u), 10) }

// Emit records an event, unless the context only checks a transaction.
func (c *Context) Emit(typ string, attrs ...Attr) {
	if c.Check {
		return
	}
	ev := abci.Event{Type: typ, Attributes: make([]abci.EventAttribute, len(attrs))}
	for i, a := range attrs {
		ev.Attributes[i] = abci.EventAttribute{Key: a.Key, Value: a.Value.String(), Index: a.Index}
	}
	c.events = append(c.events, ev)
}

// Events returns the events emitted so far.
func (c *Context) Events() []abci.Event { return c.events }

// AppendEvents adds events another context emitted (a nested cache's,
// once its writes are kept).
func (c *Context) AppendEvents(evs []abci.Event) {
	if !c.Check {
		c.events = append(c.events, evs...)
	}
}
