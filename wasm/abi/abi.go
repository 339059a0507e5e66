package abi

//go:generate go run ./abigen -o ../../sdk/contract/imports_wasip1.go

// Module is the import module name of the host functions.
const Module = "phalanx"

// Export is the function a contract exports to receive calls.
const Export = "phalanx_call"

// Type is a WebAssembly value type as a contract and the runtime see it.
type Type int

const (
	// Ptr is an i32 holding an address in the contract's memory; the
	// runtime checks every pointer against the memory's size.
	Ptr Type = iota + 1
	// U32 is an i32 read as unsigned: a length or a count.
	U32
	// I32 is an i32 read as signed.
	I32
	// I64 is an i64 read as signed.
	I64
)

// String is the type's name as the runtime's Go implementation spells it.
func (t Type) String() string {
	switch t {
	case Ptr, U32:
		return "uint32"
	case I32:
		return "int32"
	case I64:
		return "int64"
	}
	return "invalid"
}

// Param is a named parameter.
type Param struct {
	Name string
	Type Type
}

// Func is one host function.
type Func struct {
	// Name is the import name in Module.
	Name string
	// GoName is the name of the SDK's unexported Go declaration.
	GoName  string
	Params  []Param
	Results []Type // at most one
	// Doc says what the function does, for both sides' readers.
	Doc string
}

// Funcs is the host ABI, in the order the SDK declares it. Changing it
// changes what contracts may import: add functions, never change or
// remove one that deployed contracts use.
var Funcs = []Func{
	{Name: "method_len", GoName: "methodLen", Results: []Type{U32},
		Doc: "returns the length of the called method's name."},
	{Name: "method", GoName: "method", Params: []Param{{"out", Ptr}},
		Doc: "writes the called method's name at out (method_len bytes)."},
	{Name: "input_len", GoName: "inputLen", Results: []Type{U32},
		Doc: "returns the length of the call's input."},
	{Name: "input", GoName: "input", Params: []Param{{"out", Ptr}},
		Doc: "writes the call's input at out (input_len bytes)."},
	{Name: "storage_get", GoName: "storageGet", Params: []Param{{"key", Ptr}, {"keyLen", U32}, {"out", Ptr}, {"outCap", U32}}, Results: []Type{I32},
		Doc: "returns the stored value's length, or -1 if the key is absent; it writes the value at out only if it fits in outCap bytes, so a contract with a short buffer learns the length and asks again."},
	{Name: "storage_set", GoName: "storageSet", Params: []Param{{"key", Ptr}, {"keyLen", U32}, {"value", Ptr}, {"valueLen", U32}},
		Doc: "stores value under key."},
	{Name: "storage_remove", GoName: "storageRemove", Params: []Param{{"key", Ptr}, {"keyLen", U32}},
		Doc: "deletes key."},
	{Name: "caller", GoName: "caller", Params: []Param{{"out", Ptr}},
		Doc: "writes the 20-byte address of the account that sent the command or query at out."},
	{Name: "contract_id", GoName: "contractID", Params: []Param{{"out", Ptr}},
		Doc: "writes the contract's 32-byte id at out."},
	{Name: "block_height", GoName: "blockHeight", Results: []Type{I64},
		Doc: "returns the height of the block the call belongs to."},
	{Name: "block_time", GoName: "blockTime", Results: []Type{I64},
		Doc: "returns the block's time in Unix nanoseconds: the only clock a contract has."},
	{Name: "random", GoName: "random", Params: []Param{{"out", Ptr}, {"n", U32}},
		Doc: "writes n bytes at out that every worker derives alike from the block and the contract's key."},
	{Name: "emit", GoName: "emit", Params: []Param{{"p", Ptr}, {"n", U32}},
		Doc: "appends n bytes at p to the call's output."},
	{Name: "set_error", GoName: "setError", Params: []Param{{"p", Ptr}, {"n", U32}},
		Doc: "sets the call's error message to the n bytes at p; the handler then returns non-zero."},
}

// Lookup returns the host function named name.
func Lookup(name string) (Func, bool) {
	for _, f := range Funcs {
		if f.Name == name {
			return f, true
		}
	}
	return Func{}, false
}
