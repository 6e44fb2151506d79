package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const (
	sha1 = "1111111111111111111111111111111111111111"
	sha2 = "2222222222222222222222222222222222222222"
)

// fakeGitHub serves the three endpoints prcomment uses, for one pull
// request, keeping its comments in memory.
type fakeGitHub struct {
	mu       sync.Mutex
	head     string
	comments map[int64]comment
	next     int64
	writes   int
}

type comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
		return
	}
	var in struct{ Body string }
	switch {
	case r.Method == "GET" && r.URL.Path == "/repos/o/r/pulls/7":
		fmt.Fprintf(w, `{"head":{"sha":%q}}`, f.head)
	case r.Method == "GET" && r.URL.Path == "/repos/o/r/issues/7/comments":
		list := []comment{}
		for id := int64(1); id <= f.next; id++ {
			if c, ok := f.comments[id]; ok {
				list = append(list, c)
			}
		}
		json.NewEncoder(w).Encode(list)
	case r.Method == "POST" && r.URL.Path == "/repos/o/r/issues/7/comments":
		json.NewDecoder(r.Body).Decode(&in)
		f.next++
		c := comment{ID: f.next, Body: in.Body}
		c.User.Login = "github-actions[bot]"
		f.comments[f.next] = c
		f.writes++
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{}`)
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, "/repos/o/r/issues/comments/"):
		json.NewDecoder(r.Body).Decode(&in)
		var id int64
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/repos/o/r/issues/comments/"), &id)
		c := f.comments[id]
		c.Body = in.Body
		f.comments[id] = c
		f.writes++
		fmt.Fprint(w, `{}`)
	default:
		http.NotFound(w, r)
	}
}

// artifact writes what scripts/ci/pr-bench.sh leaves for the comment job.
func artifact(t *testing.T, runner, sha, pr, body string) string {
	t.Helper()
	d := t.TempDir()
	for name, v := range map[string]string{"runner": runner + "\n", "head-sha": sha + "\n", "pr": pr + "\n", "comment.md": body} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestOneCommentUpdatedPerPush(t *testing.T) {
	f := &fakeGitHub{head: sha1, comments: map[int64]comment{}}
	// Someone else's comment carrying the marker is never touched.
	other := comment{ID: 1, Body: marker + "\nnot ours"}
	other.User.Login = "mallory"
	f.comments[1], f.next = other, 1
	srv := httptest.NewServer(f)
	defer srv.Close()
	t.Setenv("GITHUB_API_URL", srv.URL)
	t.Setenv("GITHUB_TOKEN", "tok")
	post := func(sha string, dirs ...string) error {
		var out, errb bytes.Buffer
		return run(append([]string{"-repo", "o/r", "-head-sha", sha}, dirs...), &out, &errb)
	}
	// First push: the hosted run, then the tdx run, land in one comment.
	if err := post(sha1, artifact(t, "hosted", sha1, "7", "hosted table v1")); err != nil {
		t.Fatal(err)
	}
	if err := post(sha1, artifact(t, "tdx", sha1, "7", "tdx table v1")); err != nil {
		t.Fatal(err)
	}
	if len(f.comments) != 2 || f.writes != 2 {
		t.Fatalf("%d comments after %d writes, want ours plus mallory's", len(f.comments), f.writes)
	}
	ours := f.comments[2].Body
	if !strings.Contains(ours, "hosted table v1") || !strings.Contains(ours, "tdx table v1") || strings.Index(ours, "hosted") > strings.Index(ours, "tdx table") {
		t.Errorf("comment after two runs:\n%s", ours)
	}
	// Second push: the new hosted section replaces both old ones (the tdx
	// section was for the old head).
	f.head = sha2
	if err := post(sha2, artifact(t, "hosted", sha2, "7", "hosted table v2")); err != nil {
		t.Fatal(err)
	}
	ours = f.comments[2].Body
	if len(f.comments) != 2 || !strings.Contains(ours, "hosted table v2") || strings.Contains(ours, "v1") {
		t.Errorf("comment after the second push:\n%s", ours)
	}
	if f.comments[1].Body != other.Body {
		t.Error("another user's comment was edited")
	}
	// An artifact of a stale run, or one naming a pull request whose head
	// is another commit, posts nothing.
	if err := post(sha1, artifact(t, "hosted", sha1, "7", "stale")); err == nil || !strings.Contains(err.Error(), "not commenting") {
		t.Errorf("stale run: err = %v", err)
	}
	if err := post(sha2, artifact(t, "hosted", sha1, "7", "wrong sha")); err == nil || !strings.Contains(err.Error(), "no artifact for commit") {
		t.Errorf("artifact of another commit: err = %v", err)
	}
	if strings.Contains(f.comments[2].Body, "stale") || strings.Contains(f.comments[2].Body, "wrong sha") {
		t.Error("a rejected artifact reached the comment")
	}
}

func TestBadArtifacts(t *testing.T) {
	for _, tc := range []struct {
		runner, pr, want string
	}{
		{"Hosted!", "7", "runner"},
		{"hosted", "seven", "not a positive number"},
		{"hosted", "-1", "not a positive number"},
	} {
		d := artifact(t, tc.runner, sha1, tc.pr, "x")
		var out, errb bytes.Buffer
		err := run([]string{"-repo", "o/r", "-head-sha", sha1, "-n", d}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("runner %q pr %q: err = %v, want %q", tc.runner, tc.pr, err, tc.want)
		}
	}
	var out, errb bytes.Buffer
	if err := run([]string{"-repo", "o/r", "-head-sha", "abc", "x"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "-head-sha") {
		t.Errorf("short sha: err = %v", err)
	}
}

// A section longer than the comment limit is cut with a pointer to the
// artifacts, and the body stays under GitHub's limit in characters.
func TestLongSectionTruncated(t *testing.T) {
	body := render(nil, []section{{"hosted", sha1, strings.Repeat("µ", 200000)}, {"tdx", sha1, "short"}}, sha1, "")
	if n := utf8.RuneCountInString(body); n > maxChars || !strings.Contains(body, "cut to fit") || !strings.Contains(body, "short") {
		t.Errorf("body of %d characters (limit %d), cut note: %v", n, maxChars, strings.Contains(body, "cut to fit"))
	}
	if secs := parseSections(body); len(secs) != 2 {
		t.Errorf("parsed %d sections back, want 2", len(secs))
	}
}

// oldStyle is a section as the old scripts/report -pr wrote it: the full
// table folded in <details>, here 3,000 rows, far over the limit.
func oldStyle() string {
	var b strings.Builder
	b.WriteString("### teebench on `tdx`\n\n## teebench: `head` vs `base`\n\n<details><summary>Full table (3000 rows)</summary>\n\n| benchmark | unit | base | head | vs base |\n|---|---|---|---|---|\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "| `Compress/codec=zstd/dict=22/threads=%d` | sec/op ↓ | 40.69ms ±1%% | 40.69ms ±1%% | ~ (p=1.000 n=6) |\n", i)
	}
	b.WriteString("</details>\n")
	return b.String()
}

// TestTwoRunnersFit: the hosted section (scripts/report -pr on the report
// profile's row set of a 4-vCPU runner, generated by internal/report's
// TestPRCommentLarge) and a tdx section in the old style that alone
// exceeds the limit make one comment within 65,536 characters: two
// complete sections, cut only between rows, every <details> closed before
// the next section begins, headings at one level.
func TestTwoRunnersFit(t *testing.T) {
	large, err := os.ReadFile("testdata/large-all.md")
	if err != nil {
		t.Fatal(err)
	}
	hosted := "### teebench on `hosted`: base 111111111111 vs head 222222222222\n\n" + string(large)
	body := render(nil, []section{{"tdx", sha1, oldStyle()}, {"hosted", sha1, hosted}}, sha1, "https://github.com/o/r/actions/runs/1")
	chars := utf8.RuneCountInString(body)
	opened, closed := strings.Count(body, "<details>"), strings.Count(body, "</details>")
	t.Logf("comment: %d characters (%d bytes), <details> %d, </details> %d", chars, len(body), opened, closed)
	if chars > maxChars {
		t.Errorf("%d characters, over GitHub's %d", chars, maxChars)
	}
	if opened != closed {
		t.Errorf("%d <details>, %d </details>", opened, closed)
	}
	secs := parseSections(body)
	if len(secs) != 2 || secs[0].Runner != "hosted" || secs[1].Runner != "tdx" {
		t.Fatalf("sections %+v", secs)
	}
	for _, s := range secs {
		fence, open := false, 0
		for i, l := range strings.Split(s.Body, "\n") {
			fence, open = step(fence, open, l)
			if strings.HasPrefix(l, "|") && !strings.HasSuffix(l, "|") {
				t.Errorf("%s line %d: a row cut mid-row: %q", s.Runner, i+1, l)
			}
			if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "### ") {
				t.Errorf("%s line %d: heading not at level 3: %q", s.Runner, i+1, l)
			}
		}
		if fence || open != 0 {
			t.Errorf("%s section ends inside a fence (%v) or %d <details>", s.Runner, fence, open)
		}
	}
	// The hosted section fits whole; the tdx one is cut with a note.
	if !strings.Contains(secs[0].Body, "(on CI: in the run's artifacts)") || strings.Contains(secs[0].Body, "cut to fit") {
		t.Error("the hosted section (within scripts/report's bound) was cut")
	}
	if !strings.Contains(secs[1].Body, "cut to fit GitHub's comment limit") {
		t.Error("the tdx section has no cut note")
	}
}
