package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// A transfer built and signed offline, the way Client.Build does once it
// has the chain ID, the sender's nonce and the minimum gas price from a
// node: the signed bytes decode to the same transaction and its signature
// verifies.
func Example_signTransfer() {
	alice, err := crypto.PrivateKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		log.Fatal(err)
	}
	bob, err := crypto.PrivateKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	if err != nil {
		log.Fatal(err)
	}
	send, err := tx.NewMsg(&bank.MsgSend{To: bob.Public().Address(), Amount: pha.Tokens(12)})
	if err != nil {
		log.Fatal(err)
	}
	body := tx.Body{ChainID: "phalanx-devnet", Nonce: 0, Fee: tx.Fee{GasLimit: client.DefaultGasLimit, GasPrice: 1}, Msgs: []tx.Msg{send}}
	signed, err := tx.Sign(body, alice)
	if err != nil {
		log.Fatal(err)
	}
	raw, err := signed.Encode()
	if err != nil {
		log.Fatal(err)
	}
	got, err := tx.Decode(raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("from:", got.Body.SenderAddress() == alice.Public().Address())
	fmt.Println("message:", got.Body.Msgs[0].Type)
	fmt.Println("signature:", got.VerifySignature() == nil)
	// Output:
	// from: true
	// message: bank/send
	// signature: true
}

// A call sealed to a contract's key: only the holder of the contract's
// private key (its cluster's workers, in their enclaves) reads the method
// and arguments, and only the caller reads the answer sealed with the
// response key.
func ExampleSealCall() {
	// The contract's key, which its cluster's workers generate and record
	// on the chain (Contract.PublicKey).
	contractKey, err := crypto.GenerateEncryptionKey()
	if err != nil {
		log.Fatal(err)
	}
	caller, err := crypto.PrivateKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		log.Fatal(err)
	}
	ct := contracts.Contract{ID: contracts.Hash{7}, PublicKey: contractKey.PublicKey().Bytes()}
	sealed, response, err := client.SealCall("phalanx-devnet", ct, caller.Public().Address(), "deposit", []byte("77"))
	if err != nil {
		log.Fatal(err)
	}

	// The worker's side: the request opens under the contract's key and
	// the same binding (chain, contract, caller) only.
	info := contracts.SealInfo("phalanx-devnet", ct.ID, caller.Public().Address())
	plain, workerResponse, err := envelope.OpenRequest(contractKey, info, sealed)
	if err != nil {
		log.Fatal(err)
	}
	var in contracts.CallInput
	if err := codec.Unmarshal(plain, &in); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the worker reads: %s(%s)\n", in.Method, in.Args)
	other := contracts.SealInfo("phalanx-devnet", ct.ID, crypto.Address{9})
	if _, _, err := envelope.OpenRequest(contractKey, other, sealed); err != nil {
		fmt.Println("bound to its caller: another caller's binding does not open it")
	}

	answer, err := response.Open(workerResponse.Seal([]byte(`{"balance":77}`)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the caller reads: %s\n", answer)
	// Output:
	// the worker reads: deposit(77)
	// bound to its caller: another caller's binding does not open it
	// the caller reads: {"balance":77}
}

// Sending PHA needs a node: the client reads the chain ID, the sender's
// nonce and the minimum gas price from it, broadcasts the signed
// transaction and waits for its block. (No output: it needs a running
// devnet, `phalanx devnet`.)
func ExampleClient_Send() {
	cl, err := client.New("http://127.0.0.1:26657")
	if err != nil {
		log.Fatal(err)
	}
	// The devnet's development keys, in its home's test keyring.
	home, err := os.UserHomeDir()
	if err != nil {
		log.Fatal(err)
	}
	kr, err := keyring.Open(filepath.Join(home, ".phalanx"), keyring.BackendTest, nil)
	if err != nil {
		log.Fatal(err)
	}
	alice, err := kr.PrivateKey("alice")
	if err != nil {
		log.Fatal(err)
	}
	bob, err := kr.Get("bob")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cl.Send(ctx, alice, bob.Address, pha.Tokens(12), client.TxOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("committed at height", res.Height)
}
