// Package keys is the chain's side of the network's key management: the
// master key that gatekeeper enclaves hold, its handover to every new
// gatekeeper, its rotation, and the delivery of cluster keys to workers.
//
// No secret ever touches the chain. The chain decides who should get
// which key and records who has it; the keys themselves travel through
// the message queue (chain/modules/mq) sealed with HPKE to the attested
// encryption key of the receiving enclave, and are derived inside
// enclaves (package enclave).
//
// The flow: the first gatekeeper enclave to register is asked to generate
// the master key of epoch 0 and publishes its public key (TopicPublish).
// Every gatekeeper that does not hold an epoch's key is handed it by the
// holders (TopicHandoverRequest, TopicHandover, forwarded as
// TopicMasterKey), opens it, checks it against the published public key
// and confirms (TopicReceived): from then on it is a holder. The council's
// MsgRotateMasterKey asks one holder for the next epoch's key; old epochs
// stay held, so data sealed under them stays readable. A worker added to a
// cluster is sent the cluster's key by the holders in the same way
// (TopicClusterRequest, TopicClusterShare, forwarded as TopicClusterKey):
// all its generations, since the contracts module starts a new one, sent
// to the workers left only, each time a worker leaves the cluster.
//
// This package is the module's wire side: the queue payloads, the HPKE
// infos keys are sealed under, records, state keys, events and errors. It
// links no state code; the keeper is package chain/modules/keys/keeper.
package keys
