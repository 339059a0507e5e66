package module

import (
	"errors"
	"fmt"
	"testing"
)

func TestGasMeterSaturates(t *testing.T) {
	m := NewGasMeter(100)
	if err := m.Consume(60, "a"); err != nil || m.Used() != 60 {
		t.Fatalf("consume 60: %v, used %d", err, m.Used())
	}
	if err := m.Consume(50, "b"); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("past the limit: %v", err)
	}
	if !m.Exhausted() || m.Used() != 100 {
		t.Fatalf("exhausted %v, used %d", m.Exhausted(), m.Used())
	}
	if err := m.Consume(1, "c"); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("after exhaustion: %v", err)
	}
	big := NewGasMeter(^uint64(0))
	_ = big.Consume(^uint64(0)-1, "x")
	if err := big.Consume(5, "overflow"); !errors.Is(err, ErrOutOfGas) {
		t.Fatalf("overflowing consumption: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	e := DefineError("test-module", 7, "something is off")
	wrapped := e.Wrap("detail %d", 42)
	if !errors.Is(wrapped, e) || wrapped.Error() != "something is off: detail 42" {
		t.Fatalf("wrapped: %v", wrapped)
	}
	cs, code, log := ABCIInfo(fmt.Errorf("outer: %w", wrapped))
	if cs != "test-module" || code != 7 || log == "" {
		t.Fatalf("ABCIInfo = %s %d %q", cs, code, log)
	}
	cs, code, _ = ABCIInfo(errors.New("plain"))
	if cs != CodespaceInternal || code != ErrInternal.Code {
		t.Fatalf("uncoded error reported as %s/%d", cs, code)
	}
	if Lookup("test-module", 7) != e || Lookup("test-module", 8) != nil {
		t.Fatal("Lookup")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a code defined twice did not panic")
		}
	}()
	DefineError("test-module", 7, "again")
}
