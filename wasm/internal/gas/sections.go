package gas

import "fmt"

// CheckSections refuses a module whose sections declare more entries
// than their bytes could hold. Decoders (wazero's included) allocate a
// vector for the count a section declares before reading its entries: a
// 15-byte module claiming a hundred million exports costs them seconds
// and gigabytes. Every entry takes at least one byte, so a count larger
// than its section is a lie, found here without allocating anything.
func CheckSections(module []byte) error {
	const header = 8 // magic and version
	if len(module) < header {
		return fmt.Errorf("%w: %d bytes is too short for a module", ErrInvalidModule, len(module))
	}
	r := &reader{b: module, pos: header}
	for r.pos < len(module) {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			return r.err
		}
		if size > uint64(len(module)-r.pos) {
			return fmt.Errorf("%w: section %d of %d bytes overruns the module", ErrInvalidModule, id, size)
		}
		end := r.pos + int(size)
		switch id {
		case 1, 2, 3, 4, 5, 6, 7, 9, 10, 11: // sections that are vectors
			if n := r.u32(); r.err == nil && n > size {
				return fmt.Errorf("%w: section %d declares %d entries in %d bytes", ErrInvalidModule, id, n, size)
			}
		case 12: // data count: one per data segment, each at least a byte
			if n := r.u32(); r.err == nil && n > uint64(len(module)) {
				return fmt.Errorf("%w: data count %d in a module of %d bytes", ErrInvalidModule, n, len(module))
			}
		}
		if r.err != nil {
			return r.err
		}
		r.pos = end
	}
	return nil
}
