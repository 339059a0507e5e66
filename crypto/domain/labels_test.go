package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// format is the one format of new labels: phalanx/<area>: <purpose> v<N>,
// then nothing, a space or a NUL byte before data, or fmt verbs.
var format = regexp.MustCompile(`^phalanx/[a-z][a-z0-9-]*: [a-z%][a-z0-9 %-]*? v[1-9][0-9]*( |\x00|( %[a-z])+)?$`)

// frozen are the labels made before the format. The list is closed: a
// new label follows the format.
var frozen = []string{
	"Tx", "WorkerQuery", "CommandSealInfo", "QuerySealInfo", "ModuleAccount", "ComputingChallenge",
	"WasmRand", "EnclaveSeal", "SealedDBMACKey", "SealedDBValueKey", "KeyringExport",
}

// inUse are the bytes of the labels in use: signatures, keys, addresses
// and state were made under them, so they never change (a new label is
// added here when it ships).
var inUse = map[string]string{
	"Tx":                      "phalanx/tx: v1",
	"MQMessage":               "phalanx/mq: message v1",
	"WorkerQuery":             "phalanx/query: v1",
	"SimQuote":                "phalanx/tee: sim quote v1",
	"CommandSealInfo":         "phalanx/command v1 ",
	"QuerySealInfo":           "phalanx/query v1 ",
	"KeysMasterHandover":      "phalanx/keys: master key v1",
	"KeysClusterKey":          "phalanx/keys: cluster key v1",
	"KeysClusterKeys":         "phalanx/keys: cluster keys v2",
	"KeysClusterKeysEpochs":   "phalanx/keys: cluster keys of epochs v1",
	"EnvelopeResponse":        "phalanx/envelope: response v1",
	"EnvelopeResponseEnc":     "phalanx/envelope: response enc v1",
	"EnvelopeResponseNonce":   "phalanx/envelope: response nonce v1",
	"EnvelopeSession":         "phalanx/envelope: session v1",
	"EnvelopeSessionRequest":  "phalanx/envelope: session request v1",
	"EnvelopeSessionResponse": "phalanx/envelope: session response v1 ",
	"ModuleAccount":           "phalanx/module-account\x00",
	"ContractID":              "phalanx/contracts: id v1",
	"ContractInitialState":    "phalanx/contracts: state v1 ",
	"ContractNextState":       "phalanx/contracts: next v1 ",
	"ComputingChallenge":      "phalanx/computing: challenge ",
	"RegistryReportData":      "phalanx/registry: report data v1\x00",
	"TEESealingKey":           "phalanx/tee: %s sealing key v1",
	"WasmRand":                "phalanx/wasm: ",
	"KeysMasterPublic":        "phalanx/keys: master public v1",
	"KeysClusterV1":           "phalanx/keys: cluster v1 %d",
	"KeysClusterV2":           "phalanx/keys: cluster v2 %d %d",
	"KeysContract":            "phalanx/keys: contract v1 %x",
	"KeysSeed":                "phalanx/keys: seed v1 %x %d",
	"EnclaveKeys":             "phalanx/enclave: keys v1",
	"EnclaveSeal":             "phalanx/enclave: ",
	"SealedDBMACKey":          "phalanx/sealeddb: mac key",
	"SealedDBValueKey":        "phalanx/sealeddb: value key",
	"KeyringExport":           "phalanx/ed25519-seed",
}

func TestLabelsInUseAreUnchanged(t *testing.T) {
	byName := map[string]string{}
	for _, l := range Labels() {
		byName[l.Name] = l.Value
	}
	for name, v := range inUse {
		if got, ok := byName[name]; !ok || got != v {
			t.Errorf("%s is %q, was %q: its signatures, keys or state would no longer match", name, got, v)
		}
	}
}

func TestLabels(t *testing.T) {
	labels := Labels()
	declared := declaredConstants(t)
	var names []string
	for _, l := range labels {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, declared) {
		t.Fatalf("Labels lists %v, the package declares %v", names, declared)
	}
	seen := map[string]string{}
	for _, l := range labels {
		if other, dup := seen[l.Value]; dup {
			t.Errorf("%s and %s are both %q", l.Name, other, l.Value)
		}
		seen[l.Value] = l.Name
		if l.Frozen != "" {
			if !slices.Contains(frozen, l.Name) {
				t.Errorf("%s is marked frozen but is new: new labels follow the format", l.Name)
			}
		} else if !format.MatchString(l.Value) {
			t.Errorf("%s (%q) does not follow the format phalanx/<area>: <purpose> v<N>", l.Name, l.Value)
		}
		if slices.Contains(frozen, l.Name) && l.Frozen == "" {
			t.Errorf("%s is frozen but gives no reason", l.Name)
		}
		lit, _, _ := strings.Cut(l.Value, "%") // a formatted label's fixed part
		for _, m := range labels {
			if m.Name != l.Name && strings.HasPrefix(m.Value, lit) && l.PrefixOf == "" {
				t.Errorf("%s (%q) is a prefix of %s (%q), and the registry does not say why that is safe", l.Name, lit, m.Name, m.Value)
			}
		}
	}
}

// declaredConstants returns the names of the package's exported string
// constants, so that none escapes Labels.
func declaredConstants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING && n.IsExported() {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
