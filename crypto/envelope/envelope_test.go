package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/phalanx-net/phalanx/crypto"
)

const testInfo = "phalanx/command v1"

// Generating ML-KEM keys is slow enough to share them across tests.
var (
	keyOnce       sync.Once
	key, otherKey hpke.PrivateKey
)

func testKeys(t testing.TB) (hpke.PrivateKey, hpke.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = crypto.GenerateEncryptionKey(); err != nil {
			panic(err)
		}
		if otherKey, err = crypto.GenerateEncryptionKey(); err != nil {
			panic(err)
		}
	})
	return key, otherKey
}

func TestEncLen(t *testing.T) {
	k, _ := testKeys(t)
	enc, _, err := hpke.NewSender(k.PublicKey(), crypto.EncryptionKDF, crypto.EncryptionAEAD, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != EncLen {
		t.Fatalf("enc is %d bytes, EncLen is %d", len(enc), EncLen)
	}
	if EncLen != 1120 {
		t.Fatalf("EncLen = %d, want 1120", EncLen)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	k, _ := testKeys(t)
	for _, size := range []int{0, 1, 100, 70000} {
		msg := bytes.Repeat([]byte{0x5a}, size)
		req, clientResp, err := SealRequest(k.PublicKey(), testInfo, msg)
		if err != nil {
			t.Fatal(err)
		}
		if len(req) != EncLen+len(msg)+hpkeOverhead {
			t.Fatalf("request of %d bytes is %d bytes", size, len(req))
		}
		got, serverResp, err := OpenRequest(k, testInfo, req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("request plaintext changed")
		}
		if !bytes.Equal(clientResp.Bytes(), serverResp.Bytes()) {
			t.Fatalf("response keys differ")
		}
		answer := append([]byte("answer to "), msg...)
		ct := serverResp.Seal(answer)
		if len(ct) != len(answer)+ResponseOverhead {
			t.Fatalf("response is %d bytes, want %d", len(ct), len(answer)+ResponseOverhead)
		}
		back, err := clientResp.Open(ct)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, answer) {
			t.Fatalf("response plaintext changed")
		}
	}
}

func TestRequestTampered(t *testing.T) {
	k, _ := testKeys(t)
	req, _, err := SealRequest(k.PublicKey(), testInfo, []byte("transfer 10 to alice"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range req {
		bad := bytes.Clone(req)
		bad[i] ^= 0x01
		_, _, err := OpenRequest(k, testInfo, bad)
		if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
}

func TestRequestWrongKeyOrInfo(t *testing.T) {
	k, other := testKeys(t)
	req, _, err := SealRequest(k.PublicKey(), testInfo, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenRequest(other, testInfo, req); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong key: err = %v", err)
	}
	// A request sealed for one purpose must not open as another.
	if _, _, err := OpenRequest(k, "phalanx/query v1", req); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong info: err = %v", err)
	}
}

func TestRequestTruncated(t *testing.T) {
	k, _ := testKeys(t)
	req, _, err := SealRequest(k.PublicKey(), testInfo, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, EncLen - 1, EncLen, EncLen + hpkeOverhead - 1} {
		if _, _, err := OpenRequest(k, testInfo, req[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: err = %v", n, err)
		}
	}
	// Cut inside the ciphertext: long enough to parse, fails to authenticate.
	if _, _, err := OpenRequest(k, testInfo, req[:len(req)-1]); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("one byte short: err = %v", err)
	}
}

func TestWrongSuiteKey(t *testing.T) {
	x, err := hpke.DHKEM(ecdh.X25519()).GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := SealRequest(x.PublicKey(), testInfo, nil); !errors.Is(err, crypto.ErrBadEncryptionKey) {
		t.Fatalf("SealRequest: err = %v", err)
	}
	if _, _, err := OpenRequest(x, testInfo, make([]byte, 2000)); !errors.Is(err, crypto.ErrBadEncryptionKey) {
		t.Fatalf("OpenRequest: err = %v", err)
	}
	if _, _, err := NewClientSession(nil, testInfo); !errors.Is(err, crypto.ErrBadEncryptionKey) {
		t.Fatalf("NewClientSession(nil): err = %v", err)
	}
	if _, err := OpenServerSession(nil, testInfo, nil); !errors.Is(err, crypto.ErrBadEncryptionKey) {
		t.Fatalf("OpenServerSession(nil): err = %v", err)
	}
}

func TestResponseDeterministic(t *testing.T) {
	k, _ := testKeys(t)
	req, clientResp, err := SealRequest(k.PublicKey(), testInfo, []byte("query"))
	if err != nil {
		t.Fatal(err)
	}
	// Two enclaves open the same request and give the same answer.
	_, r1, err := OpenRequest(k, testInfo, req)
	if err != nil {
		t.Fatal(err)
	}
	_, r2, err := OpenRequest(k, testInfo, req)
	if err != nil {
		t.Fatal(err)
	}
	answer := []byte("42")
	c1, c2 := r1.Seal(answer), r2.Seal(answer)
	if !bytes.Equal(c1, c2) {
		t.Fatalf("response ciphertexts differ:\n%x\n%x", c1, c2)
	}
	// A different answer under the same key gets a different nonce.
	c3 := r1.Seal([]byte("43"))
	if bytes.Equal(c1[:responseNonceLen], c3[:responseNonceLen]) {
		t.Fatalf("two answers share a nonce")
	}
	if got, err := clientResp.Open(c3); err != nil || string(got) != "43" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestResponseKeyBytes(t *testing.T) {
	k, _ := testKeys(t)
	_, resp, err := SealRequest(k.PublicKey(), testInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := resp.Bytes()
	if len(b) != ResponseKeyLen {
		t.Fatalf("Bytes is %d bytes", len(b))
	}
	again, err := ResponseKeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(resp.Seal([]byte("x"))); err != nil || string(got) != "x" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	b[0] ^= 1 // Bytes is a copy
	if bytes.Equal(resp.Bytes(), b) {
		t.Fatalf("Bytes aliases the key")
	}
	for _, n := range []int{0, 31, 33} {
		if _, err := ResponseKeyFromBytes(make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d-byte key: err = %v", n, err)
		}
	}
}

func TestResponseWrongKeyOrTampered(t *testing.T) {
	k, _ := testKeys(t)
	_, resp, err := SealRequest(k.PublicKey(), testInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := SealRequest(k.PublicKey(), testInfo, nil)
	if err != nil {
		t.Fatal(err)
	}
	ct := resp.Seal([]byte("secret answer"))
	if _, err := other.Open(ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong key: err = %v", err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x80
		if _, err := resp.Open(bad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
	for n := range ResponseOverhead {
		if _, err := resp.Open(ct[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: err = %v", n, err)
		}
	}
	if _, err := resp.Open(ct[:len(ct)-1]); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("one byte short: err = %v", err)
	}
}

func newTestSession(t testing.TB) (*ClientSession, *ServerSession) {
	t.Helper()
	k, _ := testKeys(t)
	setup, c, err := NewClientSession(k.PublicKey(), testInfo)
	if err != nil {
		t.Fatal(err)
	}
	if len(setup) != EncLen {
		t.Fatalf("setup is %d bytes", len(setup))
	}
	s, err := OpenServerSession(k, testInfo, setup)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID() != s.ID() {
		t.Fatalf("session IDs differ")
	}
	return c, s
}

func TestSessionRoundTrip(t *testing.T) {
	c, s := newTestSession(t)
	for i := range 3000 {
		msg := fmt.Appendf(nil, "request %d", i)
		ct, clientResp, err := c.Seal(msg)
		if err != nil {
			t.Fatal(err)
		}
		seq, got, serverResp, err := s.Open(ct)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if seq != uint64(i) || !bytes.Equal(got, msg) {
			t.Fatalf("message %d: seq %d, %q", i, seq, got)
		}
		answer, err := clientResp.Open(serverResp.Seal([]byte("ok")))
		if err != nil || string(answer) != "ok" {
			t.Fatalf("response %d: %q, %v", i, answer, err)
		}
	}
}

func TestSessionResponseKeysDistinct(t *testing.T) {
	c, _ := newTestSession(t)
	_, r0, _ := c.Seal(nil)
	_, r1, _ := c.Seal(nil)
	if bytes.Equal(r0.Bytes(), r1.Bytes()) {
		t.Fatalf("two messages share a response key")
	}
	if _, err := r1.Open(r0.Seal([]byte("x"))); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("response opened under another message's key: %v", err)
	}
}

func TestSessionReplayWindow(t *testing.T) {
	c, s := newTestSession(t)
	var msgs [][]byte
	for range ReplayWindow + 10 {
		m, _, err := c.Seal([]byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	open := func(i int) error { _, _, _, err := s.Open(msgs[i]); return err }

	// Out of order within the window is fine.
	for _, i := range []int{5, 3, 4, 0, 1, 2} {
		if err := open(i); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := open(3); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: err = %v", err)
	}
	// Jump ahead: the highest is now ReplayWindow+9, so 10 is the oldest
	// number still in the window and 9 is too old, seen or not.
	last := ReplayWindow + 9
	if err := open(last); err != nil {
		t.Fatal(err)
	}
	if err := open(9); !errors.Is(err, ErrReplay) {
		t.Fatalf("too old: err = %v", err)
	}
	if err := open(10); err != nil {
		t.Fatalf("oldest in window: %v", err)
	}
	if err := open(10); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay of oldest: err = %v", err)
	}
	if err := open(last); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay of highest: err = %v", err)
	}
	if err := open(last - 1); err != nil {
		t.Fatalf("just below highest: %v", err)
	}
}

func TestSessionForgeryDoesNotMoveWindow(t *testing.T) {
	c, s := newTestSession(t)
	m0, _, _ := c.Seal(nil)
	// A forged message claiming a far-ahead sequence number.
	forged := bytes.Clone(m0)
	forged[0] = 0xff
	if _, _, _, err := s.Open(forged); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("forged: err = %v", err)
	}
	if _, _, _, err := s.Open(m0); err != nil {
		t.Fatalf("genuine message after forgery: %v", err)
	}
}

func TestSessionTampered(t *testing.T) {
	c, s := newTestSession(t)
	m, _, err := c.Seal([]byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		bad := bytes.Clone(m)
		bad[i] ^= 0x01
		if _, _, _, err := s.Open(bad); !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrReplay) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
	for n := range seqLen + 16 {
		if _, _, _, err := s.Open(m[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: err = %v", n, err)
		}
	}
	if _, _, _, err := s.Open(m); err != nil {
		t.Fatalf("genuine message: %v", err)
	}
}

func TestSessionWrongKeyInfoOrSession(t *testing.T) {
	k, other := testKeys(t)
	setup, c, err := NewClientSession(k.PublicKey(), testInfo)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := c.Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, err := OpenServerSession(other, testInfo, setup)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := wrongKey.Open(m); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong key: err = %v", err)
	}
	wrongInfo, err := OpenServerSession(k, "phalanx/query v1", setup)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := wrongInfo.Open(m); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong info: err = %v", err)
	}
	_, otherSession := newTestSession(t)
	if _, _, _, err := otherSession.Open(m); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("other session: err = %v", err)
	}
	for _, n := range []int{0, EncLen - 1, EncLen + 1} {
		if _, err := OpenServerSession(k, testInfo, make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d-byte setup: err = %v", n, err)
		}
	}
}

func TestSessionConcurrent(t *testing.T) {
	c, s := newTestSession(t)
	const workers, perWorker = 8, 200
	msgs := make(chan []byte, workers*perWorker)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range perWorker {
				m, _, err := c.Seal(fmt.Appendf(nil, "%d", i))
				if err != nil {
					t.Error(err)
					return
				}
				msgs <- m
			}
		})
	}
	wg.Wait()
	close(msgs)

	// Every message is delivered twice, concurrently: each sequence number
	// must be accepted exactly once. A message more than the replay window
	// behind the highest one accepted is rightly refused, and goroutines
	// may fall that far behind on a busy machine, so the messages go out in
	// sequence order, in rounds of half the window that the openers race
	// through.
	var all [][]byte
	for m := range msgs {
		all = append(all, m, m)
	}
	slices.SortStableFunc(all, func(a, b []byte) int { return bytes.Compare(a[:seqLen], b[:seqLen]) })
	var mu sync.Mutex
	accepted := map[uint64]int{}
	for round := range slices.Chunk(all, ReplayWindow/2) {
		work := make(chan []byte)
		for range workers {
			wg.Go(func() {
				for m := range work {
					seq, _, _, err := s.Open(m)
					if err != nil {
						if !errors.Is(err, ErrReplay) {
							t.Error(err)
						}
						continue
					}
					mu.Lock()
					accepted[seq]++
					mu.Unlock()
				}
			})
		}
		for _, m := range round {
			work <- m
		}
		close(work)
		wg.Wait()
	}
	if len(accepted) != workers*perWorker {
		t.Fatalf("accepted %d sequence numbers, want %d", len(accepted), workers*perWorker)
	}
	for seq, n := range accepted {
		if n != 1 {
			t.Fatalf("sequence %d accepted %d times", seq, n)
		}
	}
}

func TestSessionExhausted(t *testing.T) {
	c, _ := newTestSession(t)
	c.next.Store(math.MaxUint64 - 1)
	if _, _, err := c.Seal(nil); err != nil {
		t.Fatalf("last sequence number: %v", err)
	}
	for range 2 {
		if _, _, err := c.Seal(nil); err == nil {
			t.Fatalf("sealed past the last sequence number")
		}
	}
}
