// Voting is a confidential ballot: each account votes for one option and
// may change its mind; everyone may read the totals, and each voter their
// own vote, but nobody can learn how anyone else voted (the state lives
// sealed in the workers, and no method returns another caller's vote).
//
// It is the contract `phalanx contract new` starts a module with.
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/phalanx-net/phalanx/sdk/contract"
)

const (
	optionsKey = "options" // every option voted for, a JSON array, in order of first vote
	maxOptions = 100
	maxOption  = 64 // bytes in an option's name
)

func voterKey(ctx contract.Context) string {
	c := ctx.Caller()
	return "voter/" + hex.EncodeToString(c[:])
}

func votesKey(option string) string { return "votes/" + option }

func options(ctx contract.Context) ([]string, error) {
	var opts []string
	if b, ok := ctx.Get(optionsKey); ok {
		if err := json.Unmarshal(b, &opts); err != nil {
			return nil, fmt.Errorf("stored options: %w", err)
		}
	}
	return opts, nil
}

func init() {
	// vote casts the caller's vote for an option, or moves it there.
	contract.Handle("vote", func(ctx contract.Context, option string) error {
		if option == "" || len(option) > maxOption {
			return fmt.Errorf("an option is 1 to %d bytes, as a JSON string", maxOption)
		}
		old, voted := ctx.Get(voterKey(ctx))
		if voted && string(old) == option {
			return nil
		}
		opts, err := options(ctx)
		if err != nil {
			return err
		}
		if !slices.Contains(opts, option) {
			if len(opts) == maxOptions {
				return fmt.Errorf("there are already %d options", maxOptions)
			}
			b, _ := json.Marshal(append(opts, option))
			ctx.Set(optionsKey, b)
		}
		if voted {
			ctx.SetUint64(votesKey(string(old)), ctx.Uint64(votesKey(string(old)))-1)
		}
		ctx.SetUint64(votesKey(option), ctx.Uint64(votesKey(option))+1)
		ctx.Set(voterKey(ctx), []byte(option))
		return nil
	})
	// results emits the totals as a JSON object (encoding/json sorts its
	// keys, so every worker emits the same bytes).
	contract.Handle("results", func(ctx contract.Context, _ struct{}) error {
		opts, err := options(ctx)
		if err != nil {
			return err
		}
		totals := map[string]uint64{}
		for _, o := range opts {
			totals[o] = ctx.Uint64(votesKey(o))
		}
		b, err := json.Marshal(totals)
		if err != nil {
			return err
		}
		ctx.Emit(b)
		return nil
	})
	// my_vote tells the caller their own vote, and nobody else's.
	contract.Handle("my_vote", func(ctx contract.Context, _ struct{}) error {
		v, ok := ctx.Get(voterKey(ctx))
		if !ok {
			return errors.New("you have not voted")
		}
		ctx.Emit(v)
		return nil
	})
}

func main() {}
