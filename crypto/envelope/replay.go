package envelope

import "fmt"

// ReplayWindow is how many sequence numbers, up to and including the
// highest accepted, a server session remembers. Messages may arrive out of
// order within the window; anything older is refused, since whether it was
// seen can no longer be told.
const ReplayWindow = 1024

// replayWindow is a sliding bitmap over sequence numbers, as in RFC 6479:
// bit seq%ReplayWindow records seq for the numbers in the window.
type replayWindow struct {
	any  bool   // whether any number was accepted yet
	high uint64 // highest accepted
	bits [ReplayWindow / 64]uint64
}

func (w *replayWindow) bit(seq uint64) (word int, mask uint64) {
	i := seq % ReplayWindow
	return int(i / 64), 1 << (i % 64)
}

// check reports whether seq may still be accepted, without recording it.
func (w *replayWindow) check(seq uint64) error {
	if !w.any || seq > w.high {
		return nil
	}
	if w.high-seq >= ReplayWindow {
		return fmt.Errorf("%w: sequence %d is below the window (highest %d)", ErrReplay, seq, w.high)
	}
	if word, mask := w.bit(seq); w.bits[word]&mask != 0 {
		return fmt.Errorf("%w: sequence %d", ErrReplay, seq)
	}
	return nil
}

// accept records seq, sliding the window forward if it is the new highest.
func (w *replayWindow) accept(seq uint64) error {
	if err := w.check(seq); err != nil {
		return err
	}
	if !w.any || seq > w.high {
		// Forget the numbers that slide out: their bits are reused by the
		// numbers between the old highest and seq.
		if !w.any || seq-w.high >= ReplayWindow {
			w.bits = [ReplayWindow / 64]uint64{}
		} else {
			for s := w.high + 1; s < seq; s++ {
				word, mask := w.bit(s)
				w.bits[word] &^= mask
			}
		}
		w.any, w.high = true, seq
	}
	word, mask := w.bit(seq)
	w.bits[word] |= mask
	return nil
}
