package cuda

// IncKernel is the name of the kernel in IncPTX.
const IncKernel = "teebench_inc"

// IncPTX is a one-thread kernel that adds 1 to the uint32 at its only
// parameter (a device pointer). The launch-latency benchmark launches it
// b.N times on one stream and then checks that the counter reads b.N, so a
// launch that did not run cannot go unnoticed. It is PTX ISA 7.0 for
// sm_52, which the driver JIT-compiles for any newer GPU; loading it needs
// no nvcc.
const IncPTX = `.version 7.0
.target sm_52
.address_size 64

.visible .entry teebench_inc(
	.param .u64 teebench_inc_param_0
)
{
	.reg .b32 	%r<3>;
	.reg .b64 	%rd<3>;

	ld.param.u64 	%rd1, [teebench_inc_param_0];
	cvta.to.global.u64 	%rd2, %rd1;
	ld.global.u32 	%r1, [%rd2];
	add.s32 	%r2, %r1, 1;
	st.global.u32 	[%rd2], %r2;
	ret;
}
`
