package cuda

import (
	"strings"
	"testing"
)

func TestIncPTX(t *testing.T) {
	// cuModuleLoadData takes a NUL-terminated image, and LoadPTX appends
	// the NUL: the text itself must have none. The entry must carry the
	// name Launch looks up, with one 64-bit parameter.
	if strings.ContainsRune(IncPTX, 0) {
		t.Error("IncPTX contains a NUL byte")
	}
	for _, want := range []string{".version 7.0\n", ".target sm_52\n", ".address_size 64\n",
		".visible .entry " + IncKernel + "(\n\t.param .u64 " + IncKernel + "_param_0\n)", "st.global.u32", "ret;"} {
		if !strings.Contains(IncPTX, want) {
			t.Errorf("IncPTX lacks %q", want)
		}
	}
	if strings.Count(IncPTX, "{") != 1 || strings.Count(IncPTX, "}") != 1 {
		t.Error("IncPTX braces do not balance")
	}
}
