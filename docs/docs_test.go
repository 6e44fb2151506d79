// Package docs_test checks that the repository's comments and Markdown cite
// only what is in the repository: a cited docs file and its numbered
// section (`docs/methods.md §3`), a repository path (`internal/latency`,
// `cpu_bench/testdata/stream_triad.c`), a relative Markdown link, and no
// design note kept outside the repository (an upper-case NAME.md or a NAME
// cited by section that is not here).
package docs_test

import (
	"bufio"
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = ".."

// skipDirs are not scanned: results/ holds reports as a past revision
// generated them (archived output, not citations the code makes).
var skipDirs = map[string]bool{".git": true, "results": true, "node_modules": true}

var (
	// docRef is a citation of a docs file, with the sections that follow
	// it: "docs/methods.md §4-5", "`docs/apis.md` §1", "docs/methods.md §0
	// and §6", "docs/methods.md §5, §8".
	docRef = regexp.MustCompile("docs/([A-Za-z0-9_-]+\\.md)`?((?:(?:\\s*,\\s*|\\s+and\\s+|\\s+)§\\d+(?:\\s*[-–]\\s*\\d+)?)*)")
	// sectionRef is one "§N" or "§N-M" inside docRef's second group.
	sectionRef = regexp.MustCompile(`§(\d+)(?:\s*[-–]\s*(\d+))?`)
	// bareSection is a section reference without a file, inside a docs
	// file: it refers to that file's own sections.
	bareSection = regexp.MustCompile(`(^|[^\w.` + "`" + `])§(\d+)\b`)
	// heading is a numbered section heading of a docs file: "## §3. ...".
	heading = regexp.MustCompile(`(?m)^#{1,6}\s+§(\d+)\b`)
	// upperDoc is a design-note file name in capitals such as README.md,
	// not part of a longer path.
	upperDoc = regexp.MustCompile(`(^|[^\w/.-])([A-Z][A-Z0-9_-]+\.md)\b`)
	// upperSection is a document in capitals cited by section without its
	// extension ("NOTES §2"): it must exist as NAME or NAME.md.
	upperSection = regexp.MustCompile(`(^|[^\w/.-])([A-Z][A-Z0-9_]{2,})\s+§\d`)
	// pathTok is a path-like token.
	pathTok = regexp.MustCompile(`[A-Za-z0-9_.\-/]+`)
	// mdLink is a Markdown link target.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// url is a web address; paths inside it are not repository paths.
	url = regexp.MustCompile(`[a-z][a-z0-9+.-]*://\S+`)
	// issueRef is a tracker issue number.
	issueRef = regexp.MustCompile(`(?i)\bissues? #?\d+\b`)
)

// chunk is text from one file that may cite something: a Go comment group,
// a Go string literal, a shell comment or a Markdown file.
type chunk struct {
	file string // relative to root, slash-separated
	line int    // line of the chunk's first character
	text string
	// code is true for Go string literals: only docs citations and
	// design-note names are checked there, since other paths in code are
	// relative to wherever the code runs.
	code bool
	// test is true for chunks of _test.go files and testdata.
	test bool
}

// where returns "file:line" of offset off in c.
func (c chunk) where(off int) string {
	return fmt.Sprintf("%s:%d", c.file, c.line+strings.Count(c.text[:off], "\n"))
}

// collect walks the repository and returns every chunk to check.
func collect(t *testing.T) []chunk {
	t.Helper()
	var out []chunk
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".") && d.Name() != ".github" && d.Name() != ".ci") {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "docs/docs_test.go" {
			return nil // this file spells out bad citations on purpose
		}
		test := strings.HasSuffix(rel, "_test.go") || strings.Contains("/"+rel, "/testdata/")
		switch ext := filepath.Ext(p); {
		case ext == ".go":
			out = append(out, goChunks(t, p, rel, test)...)
		case ext == ".md":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, chunk{file: rel, line: 1, text: string(b), test: test})
		case ext == ".sh":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for i, l := range strings.Split(string(b), "\n") {
				if s := strings.TrimSpace(l); strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "#!") {
					out = append(out, chunk{file: rel, line: i + 1, text: s[1:], test: test})
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("found nothing to check under " + root)
	}
	return out
}

// goChunks returns a Go file's comment groups (consecutive line comments
// joined, markers removed) and its string literals.
func goChunks(t *testing.T, path, rel string, test bool) []chunk {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(f, src, nil, scanner.ScanComments)
	var out []chunk
	var group *chunk
	lastLine := -2
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		line := fset.Position(pos).Line
		switch tok {
		case token.COMMENT:
			text := strings.TrimPrefix(lit, "//")
			if strings.HasPrefix(lit, "/*") {
				text = strings.TrimSuffix(strings.TrimPrefix(lit, "/*"), "*/")
			}
			if group != nil && line == lastLine+1 && strings.HasPrefix(lit, "//") {
				group.text += "\n" + text
			} else {
				if group != nil {
					out = append(out, *group)
				}
				group = &chunk{file: rel, line: line, text: text, test: test}
			}
			lastLine = line + strings.Count(lit, "\n")
		case token.STRING:
			out = append(out, chunk{file: rel, line: line, text: lit, code: true, test: test})
		}
	}
	if group != nil {
		out = append(out, *group)
	}
	return out
}

// docSections returns the numbered sections of each docs/*.md file.
func docSections(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		secs := map[string]bool{}
		for _, m := range heading.FindAllSubmatch(b, -1) {
			secs[string(m[1])] = true
		}
		out[filepath.Base(p)] = secs
	}
	return out
}

// exists reports whether rel (slash-separated, relative to root) exists.
func exists(rel string) bool {
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}

// topDirs are the repository's top-level directories: a token starting with
// one of them is a repository path.
func topDirs(t *testing.T) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		if e.IsDir() && e.Name() != ".git" {
			out[e.Name()] = true
		}
	}
	return out
}

// placeholder reports whether a path token is a pattern or an example
// rather than a path: a glob, a <placeholder>, an ellipsis, a variable.
func placeholder(s string) bool {
	return strings.ContainsAny(s, "*<>…{}$%?[]") || strings.Contains(s, "...")
}

// checkPath reports a problem with a repository path token, or "" when it
// exists. A Go selector after a package path ("internal/attest.GetRawQuote")
// names the package's directory.
func checkPath(tok, dir string, top map[string]bool) string {
	tok = strings.TrimPrefix(tok, "./")
	tok = strings.TrimRight(tok, ".,:;")
	if !strings.Contains(tok, "/") || placeholder(tok) {
		return ""
	}
	first, _, _ := strings.Cut(tok, "/")
	if first == "docs" && strings.HasSuffix(tok, ".md") {
		return "" // checked with its sections (docRef)
	}
	if first == "" {
		return "" // an absolute path on the machine, not in the repository
	}
	if first == "results" {
		return "" // run outputs: names there are examples of what a run writes
	}
	for _, seg := range strings.Split(tok, "/") {
		if seg != "" && strings.ToUpper(seg) == seg && strings.ToLower(seg) != seg && !strings.Contains(seg, ".") {
			return "" // scripts/ci/NAME: a placeholder segment
		}
	}
	var cands []string
	switch {
	case top[first]:
		cands = append(cands, tok)
	case dir != "" && exists(dir+"/"+first) && first != "." && first != ".." && strings.Contains(tok[strings.LastIndex(tok, "/"):], "."):
		// A file beside the citing one (testdata/x.c); a bare directory
		// name there is too often a parameter (testdata/dir) to check.
		cands = append(cands, dir+"/"+tok)
	default:
		return ""
	}
	for _, c := range cands {
		if exists(c) {
			return ""
		}
		if i := strings.LastIndex(c, "."); i > strings.LastIndex(c, "/") && i+1 < len(c) && c[i+1] >= 'A' && c[i+1] <= 'Z' && exists(c[:i]) {
			return ""
		}
	}
	return fmt.Sprintf("cites %s, which is not in the repository", tok)
}

// problems returns every citation in c that does not resolve.
func problems(c chunk, secs map[string]map[string]bool, top map[string]bool) []string {
	var out []string
	text := url.ReplaceAllStringFunc(c.text, func(s string) string { return strings.Repeat(" ", len(s)) })
	dir := filepath.ToSlash(filepath.Dir(c.file))
	if dir == "." {
		dir = ""
	}
	// Docs citations and their sections.
	for _, m := range docRef.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[2]:m[3]]
		s, ok := secs[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s: cites docs/%s, which does not exist", c.where(m[0]), name))
			continue
		}
		for _, r := range sectionRef.FindAllStringSubmatch(text[m[4]:m[5]], -1) {
			for _, n := range sectionRange(r[1], r[2]) {
				if !s[n] {
					out = append(out, fmt.Sprintf("%s: cites docs/%s §%s, which has no such section", c.where(m[0]), name, n))
				}
			}
		}
	}
	// A docs file's references to its own sections.
	if strings.HasPrefix(c.file, "docs/") && strings.HasSuffix(c.file, ".md") {
		own := secs[filepath.Base(c.file)]
		masked := docRef.ReplaceAllStringFunc(text, func(s string) string { return strings.Repeat(" ", len(s)) })
		for _, m := range bareSection.FindAllStringSubmatchIndex(masked, -1) {
			if n := masked[m[4]:m[5]]; !own[n] {
				out = append(out, fmt.Sprintf("%s: refers to §%s, which %s does not have", c.where(m[0]), n, c.file))
			}
		}
	}
	// Design notes that are not in the repository.
	for _, m := range upperDoc.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[4]:m[5]]
		if !exists(name) && (dir == "" || !exists(dir+"/"+name)) {
			out = append(out, fmt.Sprintf("%s: cites %s, which is not in the repository (cite docs/... instead)", c.where(m[4]), name))
		}
	}
	for _, m := range upperSection.FindAllStringSubmatchIndex(text, -1) {
		name := text[m[4]:m[5]]
		if !exists(name) && !exists(name+".md") && (dir == "" || !exists(dir+"/"+name) && !exists(dir+"/"+name+".md")) {
			out = append(out, fmt.Sprintf("%s: cites %s by section, which is not in the repository (cite docs/... instead)", c.where(m[4]), name))
		}
	}
	if c.code {
		return out
	}
	// Repository paths.
	for _, m := range pathTok.FindAllStringIndex(text, -1) {
		if m[0] > 0 && strings.ContainsRune("@:/", rune(text[m[0]-1])) {
			continue // user@host:path, pkg@version
		}
		if next := text[m[1]:]; strings.HasPrefix(next, "…") || next != "" && strings.ContainsRune("<*{$", rune(next[0])) {
			continue // a pattern such as results/host-none-….txt
		}
		if p := checkPath(text[m[0]:m[1]], dir, top); p != "" {
			out = append(out, fmt.Sprintf("%s: %s", c.where(m[0]), p))
		}
	}
	// Relative Markdown links (not in testdata, whose reports link to
	// charts written beside the real report).
	if strings.HasSuffix(c.file, ".md") && !c.test {
		for _, m := range mdLink.FindAllStringSubmatchIndex(c.text, -1) {
			target, _, _ := strings.Cut(c.text[m[2]:m[3]], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			rel := filepath.ToSlash(filepath.Join(dir, target))
			if strings.HasPrefix(target, "/") {
				rel = strings.TrimPrefix(target, "/")
			}
			if !exists(rel) {
				out = append(out, fmt.Sprintf("%s: links to %s, which does not exist", c.where(m[0]), target))
			}
		}
	}
	return out
}

// sectionRange expands "4" or "4","5" into the section numbers it names.
func sectionRange(from, to string) []string {
	if to == "" {
		return []string{from}
	}
	var a, b int
	fmt.Sscan(from, &a)
	fmt.Sscan(to, &b)
	var out []string
	for i := a; i <= b && i-a < 20; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

// TestCitationsResolve fails when a comment, a Go string or a Markdown file
// of the repository cites a docs file or section, a repository path or a
// design note that does not exist in the repository.
func TestCitationsResolve(t *testing.T) {
	secs := docSections(t)
	for _, name := range []string{"methods.md", "published.md", "apis.md", "design.md"} {
		if len(secs[name]) == 0 {
			t.Errorf("docs/%s is missing or has no numbered sections (## §N. Title)", name)
		}
	}
	top := topDirs(t)
	var bad []string
	for _, c := range collect(t) {
		bad = append(bad, problems(c, secs, top)...)
	}
	slices.Sort(bad)
	bad = slices.Compact(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestMethodsSections checks that docs/methods.md keeps the §0..§11
// numbering of the design notes it replaces, which the code's citations
// use.
func TestMethodsSections(t *testing.T) {
	secs := docSections(t)["methods.md"]
	for i := 0; i <= 11; i++ {
		if !secs[fmt.Sprint(i)] {
			t.Errorf("docs/methods.md has no section §%d", i)
		}
	}
}

// TestNoIssueNumbers fails when user-facing text (package code, its
// comments and strings, and Markdown outside testdata) cites an issue
// tracker number, which a reader of the repository cannot follow.
func TestNoIssueNumbers(t *testing.T) {
	for _, c := range collect(t) {
		if c.test {
			continue
		}
		for _, m := range issueRef.FindAllStringIndex(c.text, -1) {
			t.Errorf("%s: cites %q; say what it means instead", c.where(m[0]), c.text[m[0]:m[1]])
		}
	}
}

// TestProblemsCatchesBadCitations checks the checker itself on the cases of
// testdata/citations.tsv (want<TAB>kind<TAB>text: want is bad or ok, kind
// is comment or string): citations that must fail and ones that must pass.
// The cases live in a fixture so that this file itself cites nothing.
func TestProblemsCatchesBadCitations(t *testing.T) {
	secs := docSections(t)
	top := topDirs(t)
	f, err := os.Open(filepath.Join("testdata", "citations.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, "\t", 3)
		if len(fields) != 3 || fields[0] != "bad" && fields[0] != "ok" || fields[1] != "comment" && fields[1] != "string" {
			t.Fatalf("testdata/citations.tsv: malformed line %q", line)
		}
		n++
		c := chunk{file: "internal/example/doc.go", line: 1, text: fields[2], code: fields[1] == "string"}
		got := problems(c, secs, top)
		if bad := fields[0] == "bad"; (len(got) > 0) != bad {
			t.Errorf("%s %q: problems %q, want bad=%v", fields[1], fields[2], got, bad)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("testdata/citations.tsv has %d cases, want at least 10", n)
	}
}

// TestReadmeListsInternalPackages fails when the README's table of internal
// packages misses a package under internal/ or lists one that is gone.
func TestReadmeListsInternalPackages(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9]+)` \\|")
	listed := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		listed[m[1]] = true
	}
	ents, err := os.ReadDir(filepath.Join(root, "internal"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range ents {
		if gos, _ := filepath.Glob(filepath.Join(root, "internal", e.Name(), "*.go")); e.IsDir() && len(gos) > 0 {
			have[e.Name()] = true
			if !listed[e.Name()] {
				t.Errorf("README.md's internal package table has no row for internal/%s", e.Name())
			}
		}
	}
	for name := range listed {
		if !have[name] {
			t.Errorf("README.md's internal package table lists %s, which is not a package under internal/", name)
		}
	}
}
