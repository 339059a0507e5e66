package crypto

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestAddressRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a := k.Public().Address()
	s := a.String()
	if !strings.HasPrefix(s, "pha1") {
		t.Fatalf("address %q lacks the pha1 prefix", s)
	}
	b, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("round trip changed the address: %x != %x", a, b)
	}
}

func TestParseAddressRefusals(t *testing.T) {
	good := ModuleAddress("x").String()
	for _, s := range []string{
		"",
		"pha1",
		good[:len(good)-1] + "q", // checksum broken (unless the last char was q)
		"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", // wrong prefix
		strings.ToUpper(good[:4]) + good[4:],            // mixed case
	} {
		if s == good {
			continue
		}
		if _, err := ParseAddress(s); !errors.Is(err, ErrBadAddress) {
			t.Errorf("ParseAddress(%q) = %v, want ErrBadAddress", s, err)
		}
	}
}

func TestSignaturesAreDomainSeparated(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a, b := NewContext("phalanx/test: a"), NewContext("phalanx/test: b")
	msg := []byte("hello")
	sig := k.Sign(a, msg)
	if !Verify(k.Public(), a, msg, sig) {
		t.Fatal("signature does not verify under its own context")
	}
	if Verify(k.Public(), b, msg, sig) {
		t.Fatal("signature verifies under another context")
	}
	if Verify(k.Public(), a, []byte("hellp"), sig) {
		t.Fatal("signature verifies for another message")
	}
	sig[0] ^= 1
	if Verify(k.Public(), a, msg, sig) {
		t.Fatal("flipped signature verifies")
	}
	if Verify(k.Public(), a, msg, sig[:10]) {
		t.Fatal("short signature verifies")
	}
}

func TestSeedRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := PrivateKeyFromSeed(k.Seed())
	if err != nil {
		t.Fatal(err)
	}
	if k.Public() != k2.Public() {
		t.Fatal("key from seed differs")
	}
	if _, err := PrivateKeyFromSeed(make([]byte, 31)); !errors.Is(err, ErrBadPrivateKey) {
		t.Fatalf("short seed: %v", err)
	}
}

func TestModuleAddressesDiffer(t *testing.T) {
	if ModuleAddress("fee-collector") == ModuleAddress("reward-pool") {
		t.Fatal("module addresses collide")
	}
}

func TestBatchAgreesWithVerify(t *testing.T) {
	ctx := NewContext("phalanx/test: batch")
	bv := NewBatchVerifier()
	var want []bool
	for i := range 10 {
		k, _ := GenerateKey()
		msg := []byte{byte(i)}
		sig := k.Sign(ctx, msg)
		switch i % 3 {
		case 1:
			sig[5] ^= 1
		case 2:
			sig = sig[:10]
		}
		want = append(want, Verify(k.Public(), ctx, msg, sig))
		bv.Add(k.Public(), ctx, msg, sig)
	}
	got := bv.Verify()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: batch says %v, Verify says %v", i, got[i], want[i])
		}
	}
	if !want[0] || want[1] || want[2] {
		t.Fatalf("unexpected validity %v", want)
	}
}

func TestBatchingVerifierConcurrent(t *testing.T) {
	v := NewBatchingVerifier(2)
	ctx := NewContext("phalanx/test: batching")
	k, _ := GenerateKey()
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := []byte{byte(i), byte(i >> 8)}
			sig := k.Sign(ctx, msg)
			bad := i%7 == 0
			if bad {
				sig[0] ^= 1
			}
			if v.Verify(k.Public(), ctx, msg, sig) == bad {
				errs <- fmt.Sprintf("signature %d (bad=%v) misjudged", i, bad)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
