package enclave

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// Inbox is what the host tells the enclave along with the chain's
// messages to it.
type Inbox struct {
	ChainID string
	// Role is what the enclave registered as: a worker measures its CPU
	// once its registration is confirmed.
	Role registry.Role
	// Height is the last height the host verified.
	Height int64
	// BenchmarkSpan is how long the CPU benchmark runs.
	BenchmarkSpan time.Duration
	Log           *slog.Logger
}

// Outgoing is a message the enclave has for the chain's queue: the host
// has it signed (PostConsumed) and carries it.
type Outgoing struct {
	Topic   string
	Payload []byte
}

// handler acts on one topic's payload.
type handler func(e *Enclave, in Inbox, topic string, payload []byte) ([]Outgoing, error)

// on makes a handler of f, which takes the topic's payload decoded.
func on[T any](f func(e *Enclave, in Inbox, v T) ([]Outgoing, error)) handler {
	return func(e *Enclave, in Inbox, topic string, payload []byte) ([]Outgoing, error) {
		var v T
		if err := codec.Unmarshal(payload, &v); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMessage, topic, err)
		}
		return f(e, in, v)
	}
}

// topics are the chain's messages the enclave acts on. Each handler is
// idempotent: after a crash the host hands the same messages again.
var topics = map[string]handler{
	registry.TopicRegistered:  on((*Enclave).registered),
	keys.TopicGenerate:        on((*Enclave).generate),
	keys.TopicHandoverRequest: on((*Enclave).handOver),
	keys.TopicMasterKey:       on((*Enclave).receiveMaster),
	keys.TopicClusterRequest:  on((*Enclave).shareCluster),
	keys.TopicClusterKey:      on((*Enclave).receiveCluster),
	keys.TopicRootRequest:     on((*Enclave).releaseRoot),
}

// Handle acts on one of the chain's messages to the enclave and returns
// its answers for the chain. Everything secret in them is sealed to its
// receiver. A topic it does not know (one of a later version) is skipped,
// so an old enclave keeps following a chain that gained features. An
// error wrapping ErrMessage is a message that does not decode; any other
// is the enclave's (its disk), and the message can be handed again.
func (e *Enclave) Handle(in Inbox, m mq.Message) ([]Outgoing, error) {
	if in.Log == nil {
		in.Log = slog.New(slog.DiscardHandler)
	}
	h, ok := topics[m.Topic]
	if !ok {
		in.Log.Warn("chain message with an unknown topic skipped", "seq", m.Seq, "topic", m.Topic)
		return nil, nil
	}
	return h(e, in, m.Topic, m.Payload)
}

func one(topic string, v any) []Outgoing {
	return []Outgoing{{Topic: topic, Payload: codec.MustMarshal(v)}}
}

func (e *Enclave) registered(in Inbox, r registry.Registered) ([]Outgoing, error) {
	in.Log.Info("registration confirmed by the chain", "height", r.Height, "refresh", r.Refresh)
	out := one(registry.TopicOnline, registry.Online{Version: Version, SyncedHeight: in.Height})
	if in.Role == registry.RoleWorker && !r.Refresh {
		// A new worker measures its CPU once; the score decides its
		// minimum stake and a part of its rewards.
		it, ms := Benchmark(in.BenchmarkSpan)
		in.Log.Info("benchmark done", "iterations", it, "ms", ms, "p", computing.Score(it, ms, 1<<62))
		out = append(out, one(computing.TopicBenchmark, computing.Benchmark{Iterations: it, SpanMillis: ms})...)
	}
	return out, nil
}

func (e *Enclave) generate(in Inbox, g keys.Generate) ([]Outgoing, error) {
	pub, err := e.GenerateMaster(g.Epoch)
	if err != nil {
		return nil, err
	}
	in.Log.Info("master key generated", "epoch", g.Epoch)
	return one(keys.TopicPublish, keys.Publish{Epoch: g.Epoch, PublicKey: pub}), nil
}

func (e *Enclave) handOver(in Inbox, r keys.HandoverRequest) ([]Outgoing, error) {
	sealed, err := e.HandOver(in.ChainID, r)
	if err != nil {
		// Nothing is sealed; the chain treats this holder as silent.
		in.Log.Warn(refusal(err, "master key handover refused", "cannot hand over the master key"), "epoch", r.Epoch, "to", r.To, "err", err)
		return nil, nil
	}
	return one(keys.TopicHandover, keys.Handover{To: r.To, Epoch: r.Epoch, Sealed: sealed}), nil
}

func (e *Enclave) receiveMaster(in Inbox, h keys.Handover) ([]Outgoing, error) {
	pub, err := e.ReceiveMaster(in.ChainID, h.Epoch, h.Sealed)
	if err != nil {
		in.Log.Error("a master key handed to this enclave does not open", "epoch", h.Epoch, "from", h.From, "err", err)
		return nil, nil
	}
	in.Log.Info("master key received", "epoch", h.Epoch, "from", h.From)
	return one(keys.TopicReceived, keys.Received{Epoch: h.Epoch, PublicKey: pub}), nil
}

func (e *Enclave) shareCluster(in Inbox, r keys.ClusterRequest) ([]Outgoing, error) {
	sealed, err := e.ShareCluster(in.ChainID, r)
	if err != nil {
		// Nothing is sealed; the chain treats this holder as silent.
		in.Log.Warn(refusal(err, "cluster key share refused", "cannot share a cluster key"), "cluster", r.Cluster, "gen", r.Gen, "worker", r.Worker, "err", err)
		return nil, nil
	}
	return one(keys.TopicClusterShare, keys.ClusterShare{Cluster: r.Cluster, Worker: r.Worker, Epoch: r.Epoch, Gen: r.Gen, Starts: r.Starts, Sealed: sealed}), nil
}

func (e *Enclave) receiveCluster(in Inbox, c keys.ClusterShare) ([]Outgoing, error) {
	had := e.HasCluster(c.Cluster)
	if err := e.ReceiveClusterKeys(in.ChainID, c.Cluster, c.Epoch, c.Gen, c.Starts, c.Sealed); err != nil {
		in.Log.Error("a cluster key sent to this enclave does not open", "cluster", c.Cluster, "gen", c.Gen, "err", err)
		return nil, nil
	}
	if had {
		in.Log.Info("cluster key replaced", "cluster", c.Cluster, "gen", c.Gen)
	} else {
		in.Log.Info("joined a cluster", "cluster", c.Cluster, "epoch", c.Epoch, "gen", c.Gen)
	}
	return nil, nil
}

// refusal picks the log message of a request not answered: refused when
// the recipient did not verify, cannot when this enclave failed.
func refusal(err error, refused, cannot string) string {
	if errors.Is(err, ErrRecipient) {
		return refused
	}
	return cannot
}
