package cli

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
		want string // on stderr
	}{
		{[]string{"-o", "d", "a.log"}, true, ""},
		{[]string{"-o", "d"}, false, "usage: cmd [-o DIR] LOG...\n  -o dir"},
		{[]string{"-x", "a.log"}, false, "flag provided but not defined: -x\nusage: cmd [-o DIR] LOG..."},
		{[]string{"-h"}, false, "usage: cmd [-o DIR] LOG..."},
	} {
		var stderr strings.Builder
		fs := Flags("cmd", "usage: cmd [-o DIR] LOG...", &stderr)
		dir := fs.String("o", ".", "write into `dir`")
		if ok := Parse(fs, tc.args, 1); ok != tc.ok || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: ok %v, stderr %q; want %v, %q", tc.args, ok, stderr.String(), tc.ok, tc.want)
		}
		if tc.ok && *dir != "d" {
			t.Errorf("%q: -o %q", tc.args, *dir)
		}
	}
}
