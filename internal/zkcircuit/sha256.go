package zkcircuit

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/sha2"
	"github.com/consensys/gnark/std/math/uints"
)

// SHA256Circuit proves knowledge of a message whose SHA-256 is the public
// Digest. The message length is fixed by the circuit's shape (len(Message)),
// so each length is a different circuit: 64 B is two compression blocks
// (the padding does not fit in the first), about 200k R1CS constraints on
// BN254.
type SHA256Circuit struct {
	// Message is the secret preimage.
	Message []uints.U8
	// Digest is SHA-256(Message), a public input.
	Digest [sha256.Size]uints.U8 `gnark:",public"`
}

// Define implements frontend.Circuit.
func (c *SHA256Circuit) Define(api frontend.API) error {
	dg, err := sha256InCircuit(api, c.Message)
	if err != nil {
		return err
	}
	bapi, err := uints.NewBytes(api)
	if err != nil {
		return fmt.Errorf("sha256 circuit: %w", err)
	}
	for i := range c.Digest {
		bapi.AssertIsEqual(c.Digest[i], dg[i])
	}
	return nil
}

// sha256InCircuit returns the 32 digest bytes of msg, computed in-circuit.
func sha256InCircuit(api frontend.API, msg []uints.U8) ([]uints.U8, error) {
	h, err := sha2.New(api)
	if err != nil {
		return nil, fmt.Errorf("sha256 gadget: %w", err)
	}
	h.Write(msg)
	dg := h.Sum()
	if len(dg) != sha256.Size {
		return nil, fmt.Errorf("sha256 gadget: digest has %d bytes, want %d", len(dg), sha256.Size)
	}
	return dg, nil
}

// NewSHA256 returns the shape of the circuit for len(msg)-byte messages and
// the full assignment for msg and its real SHA-256.
func NewSHA256(msg []byte) (shape, assignment *SHA256Circuit, err error) {
	if len(msg) == 0 {
		return nil, nil, errors.New("zkcircuit: sha256 message is empty")
	}
	dg := sha256.Sum256(msg)
	shape = &SHA256Circuit{Message: make([]uints.U8, len(msg))}
	assignment = &SHA256Circuit{Message: uints.NewU8Array(msg)}
	copy(assignment.Digest[:], uints.NewU8Array(dg[:]))
	return shape, assignment, nil
}
