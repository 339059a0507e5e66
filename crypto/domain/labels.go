package domain

// Label is one entry of the registry.
type Label struct {
	// Name is the constant's name, Value its bytes (or its format
	// string, for a label built with fmt).
	Name, Value string
	// Frozen, when not empty, says why the label does not follow the
	// format: it was in use before the format was.
	Frozen string
	// PrefixOf, when not empty, says why the label may be a prefix of
	// another (or begin like another's format).
	PrefixOf string
}

const (
	noVersion  = "made before the format, without a version; in keys or state already"
	dataSuffix = "followed by variable data, which the format's version would come after"
)

// Labels lists every label of the package, in the order declared.
func Labels() []Label {
	return []Label{
		{Name: "Tx", Value: Tx, Frozen: "no purpose; every transaction is signed under it"},
		{Name: "MQMessage", Value: MQMessage},
		{Name: "WorkerQuery", Value: WorkerQuery, Frozen: "no purpose; workers' answers are signed under it"},
		{Name: "SimQuote", Value: SimQuote},
		{Name: "CommandSealInfo", Value: CommandSealInfo, Frozen: "no colon; commands are sealed under it"},
		{Name: "QuerySealInfo", Value: QuerySealInfo, Frozen: "no colon; queries are sealed under it"},
		{Name: "KeysMasterHandover", Value: KeysMasterHandover},
		{Name: "KeysClusterKey", Value: KeysClusterKey},
		{Name: "KeysClusterKeys", Value: KeysClusterKeys},
		{Name: "KeysClusterKeysEpochs", Value: KeysClusterKeysEpochs},
		{Name: "KeysSealingRoot", Value: KeysSealingRoot},
		{Name: "EnvelopeResponse", Value: EnvelopeResponse},
		{Name: "EnvelopeResponseEnc", Value: EnvelopeResponseEnc},
		{Name: "EnvelopeResponseNonce", Value: EnvelopeResponseNonce},
		{Name: "EnvelopeSession", Value: EnvelopeSession},
		{Name: "EnvelopeSessionRequest", Value: EnvelopeSessionRequest},
		{Name: "EnvelopeSessionResponse", Value: EnvelopeSessionResponse},
		{Name: "ModuleAccount", Value: ModuleAccount, Frozen: "no purpose or version; every module account's address is made with it"},
		{Name: "ContractID", Value: ContractID},
		{Name: "ContractInitialState", Value: ContractInitialState},
		{Name: "ContractNextState", Value: ContractNextState},
		{Name: "ComputingChallenge", Value: ComputingChallenge, Frozen: noVersion},
		{Name: "RegistryReportData", Value: RegistryReportData},
		{Name: "RegistryMachine", Value: RegistryMachine},
		{Name: "RegistrySealingRoot", Value: RegistrySealingRoot},
		{Name: "KeysSealingRootID", Value: KeysSealingRootID},
		{Name: "TEESealingKey", Value: TEESealingKey,
			PrefixOf: "begins like SimQuote, but is an HKDF info and SimQuote a signing context, and the platform names it is formatted with are fixed by the code (sim, tdx, sev-snp)"},
		{Name: "WasmRand", Value: WasmRand, Frozen: dataSuffix + "; contracts' random streams depend on it"},
		{Name: "KeysMasterPublic", Value: KeysMasterPublic},
		{Name: "KeysClusterV1", Value: KeysClusterV1},
		{Name: "KeysClusterV2", Value: KeysClusterV2},
		{Name: "KeysContract", Value: KeysContract},
		{Name: "KeysSeed", Value: KeysSeed},
		{Name: "EnclaveKeys", Value: EnclaveKeys},
		{Name: "KeysSealingRootKey", Value: KeysSealingRootKey},
		{Name: "EnclaveWrappedRoot", Value: EnclaveWrappedRoot},
		{Name: "EnclaveSeal", Value: EnclaveSeal, Frozen: dataSuffix + "; sealed checkpoints are bound to it",
			PrefixOf: "a prefix of EnclaveKeys, both additional data of the platform's sealing, and of EnclaveWrappedRoot, additional data under another key (the sealing root); safe because the names the code seals under are fixed (\"secrets\", \"data key ...\") and none is \"keys v1\" or \"wrapped disk key v1\""},
		{Name: "SealedDBMACKey", Value: SealedDBMACKey, Frozen: noVersion},
		{Name: "SealedDBValueKey", Value: SealedDBValueKey, Frozen: noVersion},
		{Name: "KeyringExport", Value: KeyringExport, Frozen: "a file type tag, in exported keys already"},
	}
}
