package tee

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// dstack's versioned attestation, the answer of the guest agent's /Attest
// (and of GetQuote's attestation field off TDX). Read in Dstack-TEE/dstack
// at commit 312dc605 (docs/snp.md, "dstack on SEV-SNP"); this is our own
// decoder of the two wire forms it has:
//
//   - V0, SCALE (first byte 0x00): the enum index 0, then the struct
//     { quote: AttestationQuote, runtime_events: Vec<RuntimeEvent>,
//     report_data: [u8; 64], config: String }, where AttestationQuote is
//     an enum whose index 3 is SEV-SNP { report: Vec<u8>, cert_chain:
//     Vec<Vec<u8>>, mr_config: String } and a RuntimeEvent is { event:
//     String, payload: Vec<u8> }. Vec and String are a compact length and
//     the bytes. The agent writes V0 unless a runtime event uses event-log
//     version 2.
//   - V1, msgpack with field names (first byte a map): { version: 1,
//     platform: { kind: "sev-snp", data: { report, cert_chain, mr_config } },
//     stack: { kind: "dstack", data: { report_data, runtime_events,
//     config } } }. A byte field is an array of integers (serde's Vec<u8>)
//     or a bin; both are read.
//
// cert_chain holds at most one blob: the certificate table of the extended
// report (configfs-tsm's auxblob, or the /dev/sev-guest entries re-encoded
// in the GHCB layout), empty when the host provisions none.

// DstackAttestation is what teebench reads from a dstack attestation.
type DstackAttestation struct {
	// Version is the wire form: 0 (SCALE) or 1 (msgpack).
	Version int
	// Platform is the platform evidence's kind in V1's names ("sev-snp",
	// "tdx", "gcp-tdx", "nitro-enclave", "aws-nitro-tpm").
	Platform string
	// SNPReport is the SEV-SNP attestation report (Platform "sev-snp").
	SNPReport []byte
	// SNPCertChain is the SEV-SNP certificate blobs (at most one, the
	// certificate table).
	SNPCertChain [][]byte
	// MrConfig is the MrConfigV3 document dstack binds through the
	// report's HOST_DATA (CheckMrConfig checks it; dstack_snp.go).
	MrConfig string
	// ReportData is the stack's copy of the report data.
	ReportData []byte
}

// dstackV0Platforms are the SCALE indexes of dstack's AttestationQuote, in
// V1's names.
var dstackV0Platforms = []string{"tdx", "gcp-tdx", "nitro-enclave", "sev-snp", "aws-nitro-tpm"}

// ErrDstackPlatform means a dstack attestation is for another platform
// than the one asked for.
var ErrDstackPlatform = errors.New("dstack attestation of another platform")

// ParseDstackAttestation decodes a dstack versioned attestation. Only
// SEV-SNP evidence is decoded in full; another platform returns its name
// with ErrDstackPlatform.
func ParseDstackAttestation(b []byte) (*DstackAttestation, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("tee: dstack attestation: empty")
	}
	switch first := b[0]; {
	case first == 0x00:
		return parseDstackV0(b)
	case first >= 0x80 && first <= 0x8f, first == 0xde, first == 0xdf:
		return parseDstackV1(b)
	default:
		return nil, fmt.Errorf("tee: dstack attestation: unknown wire form (first byte %#02x: neither SCALE V0 nor a msgpack map)", first)
	}
}

// parseDstackV0 decodes the SCALE form.
func parseDstackV0(b []byte) (*DstackAttestation, error) {
	d := &scaleReader{b: b[1:]}
	idx := d.byte()
	if d.err == nil && int(idx) >= len(dstackV0Platforms) {
		return nil, fmt.Errorf("tee: dstack attestation V0: unknown platform index %d", idx)
	}
	if d.err != nil {
		return nil, fmt.Errorf("tee: dstack attestation V0: %w", d.err)
	}
	a := &DstackAttestation{Version: 0, Platform: dstackV0Platforms[idx]}
	if a.Platform != "sev-snp" {
		return a, fmt.Errorf("tee: %w: %s", ErrDstackPlatform, a.Platform)
	}
	a.SNPReport = d.bytes()
	for n := d.compact(); d.err == nil && n > 0; n-- {
		a.SNPCertChain = append(a.SNPCertChain, d.bytes())
	}
	a.MrConfig = d.str()
	for n := d.compact(); d.err == nil && n > 0; n-- {
		d.str()   // event name
		d.bytes() // payload
	}
	a.ReportData = d.fixed(64)
	d.str() // VM config
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("tee: dstack attestation V0 (sev-snp): %w", d.err)
	}
	return a, nil
}

// scaleReader reads SCALE values; the first error stops it.
type scaleReader struct {
	b   []byte
	err error
}

func (d *scaleReader) fixed(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = fmt.Errorf("truncated: want %d bytes, have %d", n, len(d.b))
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *scaleReader) byte() byte {
	if b := d.fixed(1); b != nil {
		return b[0]
	}
	return 0
}

// compact reads a SCALE compact integer as a length (bounded by the bytes
// left, so a forged length cannot make the reader allocate).
func (d *scaleReader) compact() int {
	b := d.fixed(1)
	if b == nil {
		return 0
	}
	var v uint64
	switch b[0] & 3 {
	case 0:
		v = uint64(b[0] >> 2)
	case 1:
		if r := d.fixed(1); r != nil {
			v = uint64(binary.LittleEndian.Uint16([]byte{b[0], r[0]}) >> 2)
		}
	case 2:
		if r := d.fixed(3); r != nil {
			v = uint64(binary.LittleEndian.Uint32([]byte{b[0], r[0], r[1], r[2]}) >> 2)
		}
	default:
		n := int(b[0]>>2) + 4
		r := d.fixed(n)
		if r == nil {
			return 0
		}
		if n > 8 {
			d.err = fmt.Errorf("compact integer of %d bytes", n)
			return 0
		}
		var buf [8]byte
		copy(buf[:], r)
		v = binary.LittleEndian.Uint64(buf[:])
	}
	if d.err == nil && v > uint64(len(d.b)) {
		d.err = fmt.Errorf("length %d exceeds the %d bytes left", v, len(d.b))
		return 0
	}
	return int(v)
}

func (d *scaleReader) bytes() []byte { return d.fixed(d.compact()) }

func (d *scaleReader) str() string {
	b := d.bytes()
	if d.err == nil && !utf8.Valid(b) {
		d.err = fmt.Errorf("string is not UTF-8")
	}
	return string(b)
}

// parseDstackV1 decodes the msgpack form.
func parseDstackV1(b []byte) (*DstackAttestation, error) {
	r := &msgpackReader{b: b}
	v := r.value(0)
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("tee: dstack attestation V1: %w", r.err)
	}
	fail := func(format string, args ...any) (*DstackAttestation, error) {
		return nil, fmt.Errorf("tee: dstack attestation V1: "+format, args...)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return fail("not a map")
	}
	if ver, ok := top["version"].(uint64); !ok || ver != 1 {
		return fail("version %v, want 1", top["version"])
	}
	platform, _ := top["platform"].(map[string]any)
	kind, _ := platform["kind"].(string)
	if kind == "" {
		return fail("no platform kind")
	}
	a := &DstackAttestation{Version: 1, Platform: kind}
	if kind != "sev-snp" {
		return a, fmt.Errorf("tee: %w: %s", ErrDstackPlatform, kind)
	}
	data, ok := platform["data"].(map[string]any)
	if !ok {
		return fail("sev-snp platform without data")
	}
	var err error
	if a.SNPReport, err = msgpackBytes(data["report"]); err != nil {
		return fail("report: %v", err)
	}
	chain, ok := data["cert_chain"].([]any)
	if !ok && data["cert_chain"] != nil {
		return fail("cert_chain is not an array")
	}
	for i, c := range chain {
		blob, err := msgpackBytes(c)
		if err != nil {
			return fail("cert_chain[%d]: %v", i, err)
		}
		a.SNPCertChain = append(a.SNPCertChain, blob)
	}
	if a.MrConfig, ok = data["mr_config"].(string); !ok {
		return fail("mr_config is not a string")
	}
	if stack, ok := top["stack"].(map[string]any); ok {
		if sd, ok := stack["data"].(map[string]any); ok {
			if a.ReportData, err = msgpackBytes(sd["report_data"]); err != nil {
				return fail("stack report_data: %v", err)
			}
		}
	}
	return a, nil
}

// msgpackBytes reads a byte field: a bin, or an array of integers 0..255
// (how serde writes a Vec<u8>).
func msgpackBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case []any:
		out := make([]byte, len(x))
		for i, e := range x {
			n, ok := e.(uint64)
			if !ok || n > 255 {
				return nil, fmt.Errorf("element %d (%v) is not a byte", i, e)
			}
			out[i] = byte(n)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%T is not bytes", v)
	}
}

// msgpackReader decodes msgpack into Go values: map[string]any (string
// keys only), []any, []byte (bin), string, uint64 (non-negative integers),
// int64 (negative ones), float64, bool and nil. Extension types are
// refused. The first error stops it.
type msgpackReader struct {
	b   []byte
	err error
}

// maxMsgpackDepth bounds nesting, so a forged input cannot exhaust the
// stack.
const maxMsgpackDepth = 32

func (r *msgpackReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("truncated: want %d bytes, have %d", n, len(r.b))
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *msgpackReader) uint(n int) uint64 {
	b := r.take(uint64(n))
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func (r *msgpackReader) value(depth int) any {
	if depth > maxMsgpackDepth {
		r.err = fmt.Errorf("nested deeper than %d", maxMsgpackDepth)
	}
	t := r.take(1)
	if t == nil {
		return nil
	}
	c := t[0]
	switch {
	case c <= 0x7f:
		return uint64(c)
	case c >= 0xe0:
		return int64(int8(c))
	case c >= 0x80 && c <= 0x8f:
		return r.mapN(uint64(c&0x0f), depth)
	case c >= 0x90 && c <= 0x9f:
		return r.arrayN(uint64(c&0x0f), depth)
	case c >= 0xa0 && c <= 0xbf:
		return r.str(uint64(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return nil
	case 0xc2:
		return false
	case 0xc3:
		return true
	case 0xc4, 0xc5, 0xc6:
		n := r.uint(1 << (c - 0xc4))
		return r.take(n)
	case 0xca:
		return float64(math.Float32frombits(uint32(r.uint(4))))
	case 0xcb:
		return math.Float64frombits(r.uint(8))
	case 0xcc, 0xcd, 0xce, 0xcf:
		return r.uint(1 << (c - 0xcc))
	case 0xd0:
		return int64(int8(r.uint(1)))
	case 0xd1:
		return int64(int16(r.uint(2)))
	case 0xd2:
		return int64(int32(r.uint(4)))
	case 0xd3:
		return int64(r.uint(8))
	case 0xd9, 0xda, 0xdb:
		return r.str(r.uint(1 << (c - 0xd9)))
	case 0xdc, 0xdd:
		return r.arrayN(r.uint(2<<(c-0xdc)), depth)
	case 0xde, 0xdf:
		return r.mapN(r.uint(2<<(c-0xde)), depth)
	}
	if r.err == nil {
		r.err = fmt.Errorf("msgpack type %#02x not supported", c)
	}
	return nil
}

func (r *msgpackReader) str(n uint64) any {
	b := r.take(n)
	if r.err == nil && !utf8.Valid(b) {
		r.err = fmt.Errorf("string is not UTF-8")
	}
	return string(b)
}

func (r *msgpackReader) arrayN(n uint64, depth int) any {
	if r.err == nil && n > uint64(len(r.b)) { // each element takes a byte at least
		r.err = fmt.Errorf("array of %d elements in %d bytes", n, len(r.b))
	}
	var out []any
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, r.value(depth+1))
	}
	return out
}

func (r *msgpackReader) mapN(n uint64, depth int) any {
	if r.err == nil && n > uint64(len(r.b)) {
		r.err = fmt.Errorf("map of %d entries in %d bytes", n, len(r.b))
	}
	out := map[string]any{}
	for i := uint64(0); i < n && r.err == nil; i++ {
		k, ok := r.value(depth + 1).(string)
		if !ok && r.err == nil {
			r.err = fmt.Errorf("map key is not a string")
		}
		v := r.value(depth + 1)
		if _, dup := out[k]; dup && r.err == nil {
			r.err = fmt.Errorf("map key %q twice", k)
		}
		out[k] = v
	}
	return out
}
