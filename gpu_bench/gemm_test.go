//go:build gpu

package gpu_bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/teebench/teebench/internal/cuda"
)

// BenchmarkGEMM measures cublasGemmEx throughput in TOPS; see the package
// doc.
func BenchmarkGEMM(b *testing.B) {
	runCases(b, gpuEnv(b), gemmCases(gemmSizes()), benchGEMM)
}

// gemmState holds one configuration's inputs, on the host (for the CPU
// reference) and on the device.
type gemmState struct {
	bl         *cuda.BLAS
	a, b       []byte
	da, db, dc cuda.DevicePtr
	rng        *rand.Rand
}

func (st *gemmState) free(ctx *cuda.Context) error {
	if st == nil {
		return nil
	}
	var first error
	for _, p := range []cuda.DevicePtr{st.da, st.db, st.dc} {
		if p != 0 {
			if err := ctx.Free(p); err != nil && first == nil {
				first = err
			}
		}
	}
	if st.bl != nil {
		if err := st.bl.Close(); err != nil && first == nil {
			first = err
		}
	}
	*st = gemmState{}
	return first
}

// upload allocates device buffers for an m×n×k GEMM of type dt and copies
// random inputs into them.
func (st *gemmState) upload(ctx *cuda.Context, dt cuda.DType, m, n, k int) error {
	st.a, st.b = cuda.RandomMatrix(dt, m, k, st.rng), cuda.RandomMatrix(dt, n, k, st.rng)
	var err error
	if st.da, err = ctx.Alloc(uint64(len(st.a))); err != nil {
		return err
	}
	if st.db, err = ctx.Alloc(uint64(len(st.b))); err != nil {
		return err
	}
	if st.dc, err = ctx.Alloc(uint64(m * n * dt.OutSize())); err != nil {
		return err
	}
	if err := ctx.CopyHtoD(st.da, st.a); err != nil {
		return err
	}
	return ctx.CopyHtoD(st.db, st.b)
}

// newGemm checks the configuration at the small size (every element), then
// uploads the full-size inputs, runs one GEMM and checks sampled elements.
func newGemm(e *env, c gemmCase) (_ *gemmState, err error) {
	bl, err := e.ctx.OpenBLASFrom(e.blas)
	if err != nil {
		return nil, err
	}
	st := &gemmState{bl: bl, rng: rand.New(rand.NewPCG(uint64(c.n), uint64(c.dt)))}
	defer func() {
		if err != nil {
			st.free(e.ctx)
		}
	}()

	// Small non-square GEMM, every element against the CPU.
	if err := st.upload(e.ctx, c.dt, checkM, checkN, checkK); err != nil {
		return nil, err
	}
	if err := bl.Gemm(c.dt, checkM, checkN, checkK, st.da, st.db, st.dc); err != nil {
		return nil, err
	}
	out := make([]byte, checkM*checkN*c.dt.OutSize())
	if err := e.ctx.CopyDtoH(out, st.dc); err != nil {
		return nil, err
	}
	if err := cuda.CheckGEMM(c.dt, checkM, checkN, checkK, st.a, st.b, out); err != nil {
		return nil, fmt.Errorf("%s: check at %dx%dx%d: %w", c.name(), checkM, checkN, checkK, err)
	}
	for _, p := range []cuda.DevicePtr{st.da, st.db, st.dc} {
		if err := e.ctx.Free(p); err != nil {
			return nil, err
		}
	}
	st.da, st.db, st.dc = 0, 0, 0

	// Full size: one GEMM (also the warm-up), sampled elements.
	if err := st.upload(e.ctx, c.dt, c.n, c.n, c.n); err != nil {
		return nil, err
	}
	if err := bl.Gemm(c.dt, c.n, c.n, c.n, st.da, st.db, st.dc); err != nil {
		return nil, err
	}
	if err := st.checkSampled(e.ctx, c, 64); err != nil {
		return nil, err
	}
	return st, nil
}

// checkSampled reads count random elements of C (and two corners) from
// the device and checks each against the CPU reference.
func (st *gemmState) checkSampled(ctx *cuda.Context, c gemmCase, count int) error {
	n, sz := c.n, c.dt.OutSize()
	cell := make([]byte, sz)
	idx := [][2]int{{0, 0}, {n - 1, n - 1}}
	for range count {
		idx = append(idx, [2]int{st.rng.IntN(n), st.rng.IntN(n)})
	}
	for _, ij := range idx {
		i, j := ij[0], ij[1]
		if err := ctx.CopyDtoH(cell, st.dc.Add(uint64((i+j*n)*sz))); err != nil {
			return err
		}
		if err := cuda.CheckAt(c.dt, n, st.a, st.b, i, j, c.dt.Out(cell, 0)); err != nil {
			return fmt.Errorf("%s: sampled check: %w", c.name(), err)
		}
	}
	return nil
}

func benchGEMM(b *testing.B, e *env, c gemmCase, stp **gemmState) {
	defer e.lock(b)()
	if *stp == nil {
		st, err := newGemm(e, c)
		if err != nil {
			if reason, skip := skipReason(err); skip {
				b.Skip(reason)
			}
			b.Fatal(err)
		}
		*stp = st
		b.Logf("%s: checked at %dx%dx%d and on sampled elements; cuBLAS %d (%s)", c.name(), checkM, checkN, checkK, st.bl.Version(), st.bl.Library())
	}
	st := *stp
	// All-ones bytes in C (int32 -1, fp16/bf16 NaN) fail the check unless
	// the timed GEMMs overwrite them.
	if err := e.ctx.Memset(st.dc, 0xff, uint64(c.n*c.n*c.dt.OutSize())); err != nil {
		b.Fatal(err)
	}
	op := func() error { return st.bl.Gemm(c.dt, c.n, c.n, c.n, st.da, st.db, st.dc) }
	el := e.timeOps(b, op)
	if err := st.checkSampled(e.ctx, c, 16); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(cuda.GEMMOps(c.n, c.n, c.n)*float64(b.N)/el.Seconds()/1e12, "TOPS")
}
