// Command prcomment posts teebench's benchmark review on a pull request as
// one comment, updated in place on every push. It runs in the trusted
// workflow_run job of .github/workflows/bench-comment.yml, the only job
// with `pull-requests: write`, on artifacts written by scripts/ci/pr-bench.sh
// in the untrusted pull_request runs:
//
//	go run ./scripts/ci/prcomment -repo OWNER/NAME -head-sha SHA [-run-url URL] DIR...
//
// Each DIR holds comment.md, runner, pr and head-sha. Artifacts are
// untrusted: a DIR whose head-sha is not -head-sha (the triggering run's,
// from GitHub) is ignored, and the pull request named in pr must have that
// head commit, so an artifact cannot steer the comment to another pull
// request. The comment is found by a hidden marker; it holds one section
// per runner (hosted, tdx ...), and a section for an older head commit is
// dropped. GITHUB_TOKEN authenticates; GITHUB_API_URL overrides the API.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// marker identifies teebench's comment among a pull request's comments.
const marker = "<!-- teebench-pr-report -->"

// maxChars is GitHub's limit on a comment body: 65,536 characters (not
// bytes; µ, ± and × are one character each).
const maxChars = 65536

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "prcomment:", err)
		os.Exit(1)
	}
}

// section is one runner's part of the comment.
type section struct {
	Runner, SHA, Body string
}

var (
	shaRE    = regexp.MustCompile(`^[0-9a-f]{40}$`)
	runnerRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)
	repoRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	// sectionRE matches a section as render writes it.
	sectionRE = regexp.MustCompile(`(?s)<!-- teebench-section ([a-z0-9-]+) ([0-9a-f]{40}) -->\n(.*?)\n<!-- teebench-section-end [a-z0-9-]+ -->`)
)

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prcomment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "", "`owner/name` of the repository (github.repository)")
	headSHA := fs.String("head-sha", "", "head `commit` of the triggering run (github.event.workflow_run.head_sha)")
	runURL := fs.String("run-url", "", "`URL` of the benchmark run, linked from the comment")
	author := fs.String("author", "github-actions[bot]", "`login` whose comment is updated (others' comments with the marker are left alone)")
	dryRun := fs.Bool("n", false, "print the comment instead of posting it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case !repoRE.MatchString(*repo):
		return fmt.Errorf("-repo %q: want owner/name", *repo)
	case !shaRE.MatchString(*headSHA):
		return fmt.Errorf("-head-sha %q: want a 40-digit hex commit", *headSHA)
	case fs.NArg() == 0:
		return errors.New("no artifact directory given")
	}
	pr, secs, err := readArtifacts(fs.Args(), *headSHA, stderr)
	if err != nil {
		return err
	}
	if *dryRun {
		_, err := io.WriteString(stdout, render(nil, secs, *headSHA, *runURL))
		return err
	}
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		return errors.New("GITHUB_TOKEN is not set")
	}
	api := os.Getenv("GITHUB_API_URL")
	if api == "" {
		api = "https://api.github.com"
	}
	gh := &github{api: strings.TrimRight(api, "/"), token: token, http: &http.Client{Timeout: time.Minute}}
	var pull struct {
		Head struct{ SHA string } `json:"head"`
	}
	if err := gh.do(http.MethodGet, fmt.Sprintf("/repos/%s/pulls/%d", *repo, pr), nil, &pull); err != nil {
		return err
	}
	if pull.Head.SHA != *headSHA {
		return fmt.Errorf("pull request #%d's head is %s, not the run's %s (a newer push, or an artifact naming another pull request): not commenting", pr, pull.Head.SHA, *headSHA)
	}
	id, old, err := gh.findComment(*repo, pr, *author)
	if err != nil {
		return err
	}
	body := render(parseSections(old), secs, *headSHA, *runURL)
	payload := map[string]string{"body": body}
	if id == 0 {
		err = gh.do(http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", *repo, pr), payload, nil)
		fmt.Fprintf(stdout, "prcomment: created the comment on #%d\n", pr)
	} else {
		err = gh.do(http.MethodPatch, fmt.Sprintf("/repos/%s/issues/comments/%d", *repo, id), payload, nil)
		fmt.Fprintf(stdout, "prcomment: updated comment %d on #%d\n", id, pr)
	}
	return err
}

// readArtifacts reads the sections of artifact directories for headSHA and
// the pull request number they name.
func readArtifacts(dirs []string, headSHA string, stderr io.Writer) (int, []section, error) {
	pr := 0
	var secs []section
	for _, d := range dirs {
		read := func(name string) (string, error) {
			b, err := os.ReadFile(filepath.Join(d, name))
			return strings.TrimSpace(string(b)), err
		}
		sha, err := read("head-sha")
		if err != nil {
			return 0, nil, fmt.Errorf("artifact %s: %w", d, err)
		}
		if sha != headSHA {
			fmt.Fprintf(stderr, "prcomment: %s is for commit %q, not %s: ignored\n", d, sha, headSHA)
			continue
		}
		runner, err := read("runner")
		if err != nil || !runnerRE.MatchString(runner) {
			return 0, nil, fmt.Errorf("artifact %s: runner %q: want a lower-case name (%v)", d, runner, err)
		}
		num, err := read("pr")
		if err != nil {
			return 0, nil, fmt.Errorf("artifact %s: %w", d, err)
		}
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 {
			return 0, nil, fmt.Errorf("artifact %s: pull request number %q is not a positive number", d, num)
		}
		if pr != 0 && n != pr {
			return 0, nil, fmt.Errorf("artifacts name pull requests #%d and #%d", pr, n)
		}
		pr = n
		body, err := os.ReadFile(filepath.Join(d, "comment.md"))
		if err != nil {
			return 0, nil, fmt.Errorf("artifact %s: %w", d, err)
		}
		secs = append(secs, section{Runner: runner, SHA: sha, Body: strings.TrimSpace(string(body))})
	}
	if len(secs) == 0 {
		return 0, nil, fmt.Errorf("no artifact for commit %s", headSHA)
	}
	return pr, secs, nil
}

// parseSections reads the sections of an existing comment.
func parseSections(body string) []section {
	var secs []section
	for _, m := range sectionRE.FindAllStringSubmatch(body, -1) {
		secs = append(secs, section{Runner: m[1], SHA: m[2], Body: m[3]})
	}
	return secs
}

// render merges new sections into the old ones: a runner's new section
// replaces its old one, sections of other commits are dropped; hosted
// comes first, then the other runners by name.
func render(old, fresh []section, headSHA, runURL string) string {
	byRunner := map[string]section{}
	for _, s := range old {
		if s.SHA == headSHA {
			byRunner[s.Runner] = s
		}
	}
	for _, s := range fresh {
		byRunner[s.Runner] = s
	}
	var runners []string
	for r := range byRunner {
		runners = append(runners, r)
	}
	sort.Slice(runners, func(i, j int) bool {
		if (runners[i] == "hosted") != (runners[j] == "hosted") {
			return runners[i] == "hosted"
		}
		return runners[i] < runners[j]
	})
	var b strings.Builder
	b.WriteString(marker + "\n## teebench: base vs head\n\n")
	if runURL != "" {
		fmt.Fprintf(&b, "Latest run: %s (full tables and reports in its artifacts, `bench-<runner>`). ", runURL)
	}
	fmt.Fprintf(&b, "Head %s.\n\n", headSHA[:12])
	// Each section gets an equal share of what the header leaves, so that
	// every runner's section is complete (cut, if at all, at a line).
	budget := maxChars - utf8.RuneCountInString(b.String())
	wrapped := make([][2]string, len(runners))
	for i, r := range runners {
		s := byRunner[r]
		wrapped[i] = [2]string{fmt.Sprintf("<!-- teebench-section %s %s -->\n", s.Runner, s.SHA), fmt.Sprintf("\n<!-- teebench-section-end %s -->\n\n", s.Runner)}
		budget -= utf8.RuneCountInString(wrapped[i][0] + wrapped[i][1])
	}
	share := budget / max(1, len(runners))
	for i, r := range runners {
		b.WriteString(wrapped[i][0] + fitSection(byRunner[r].Body, share) + wrapped[i][1])
	}
	return b.String()
}

// headingRE matches a Markdown ATX heading line.
var headingRE = regexp.MustCompile(`^#{1,6}[ \t]`)

// fitSection makes a section body fit in limit characters as one
// complete section of the comment: its headings all become level 3 (the
// comment's title is level 2), it is cut only at a line (a table is cut
// between rows) with a note on what was left out, and every <details> and
// code fence it opened is closed, so that nothing after it (the next
// runner's section) ends up folded inside it.
func fitSection(body string, limit int) string {
	lines := strings.Split(body, "\n")
	fence := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
		}
		if !fence && headingRE.MatchString(l) {
			lines[i] = "### " + strings.TrimLeft(strings.TrimLeft(l, "#"), " \t")
		}
	}
	if whole := strings.Join(lines, "\n") + closeAll(lines); utf8.RuneCountInString(whole) <= limit {
		return whole
	}
	// Cut: the longest prefix of whole lines that fits with its closers
	// and the note.
	note := func(left int) string {
		return fmt.Sprintf("\n\n… (%d more line(s) cut to fit GitHub's comment limit: the whole section is comment.md in the run's artifacts)", left)
	}
	used, keep, room := 0, 0, limit-utf8.RuneCountInString(note(len(lines)))
	fence, open := false, 0
	for i, l := range lines {
		fence, open = step(fence, open, l)
		n := utf8.RuneCountInString(l) + 1
		if used+n+closeLen(fence, open) > room {
			break
		}
		used += n
		keep = i + 1
	}
	// A table cut between rows stays a table; a cut right after its
	// header would leave an empty one, so drop the header too.
	for keep > 0 && strings.HasPrefix(lines[keep-1], "|") && (keep < 2 || !strings.HasPrefix(lines[keep-2], "|") || strings.HasPrefix(lines[keep-1], "|---")) {
		keep--
	}
	kept := lines[:keep]
	return strings.Join(kept, "\n") + closeAll(kept) + note(len(lines)-keep)
}

// closeAll returns what closes the <details> and code fence that lines
// leave open.
func closeAll(lines []string) string {
	fence, open := false, 0
	for _, l := range lines {
		fence, open = step(fence, open, l)
	}
	var b strings.Builder
	if fence {
		b.WriteString("\n```")
	}
	for range open {
		b.WriteString("\n\n</details>")
	}
	return b.String()
}

// closeLen is the length in characters of what closes a fence (when
// fence) and open <details>.
func closeLen(fence bool, open int) int {
	n := open * len("\n\n</details>")
	if fence {
		n += len("\n```")
	}
	return n
}

// step advances the state after line l: whether it is inside a code
// fence, and how many <details> are open (outside code fences).
func step(fence bool, open int, l string) (bool, int) {
	if strings.HasPrefix(strings.TrimSpace(l), "```") {
		return !fence, open
	}
	if fence {
		return fence, open
	}
	low := strings.ToLower(l)
	open += strings.Count(low, "<details") - strings.Count(low, "</details>")
	return fence, max(open, 0)
}

// github is a minimal GitHub REST client.
type github struct {
	api, token string
	http       *http.Client
}

// do sends a request with a JSON body (when in is not nil) and decodes the
// JSON answer into out (when not nil).
func (g *github) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.api+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Message string }
		json.Unmarshal(data, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// findComment returns the id and body of the pull request's teebench
// comment by author, or 0 when there is none.
func (g *github) findComment(repo string, pr int, author string) (int64, string, error) {
	for page := 1; page <= 100; page++ {
		var comments []struct {
			ID   int64  `json:"id"`
			Body string `json:"body"`
			User struct {
				Login string `json:"login"`
			} `json:"user"`
		}
		if err := g.do(http.MethodGet, fmt.Sprintf("/repos/%s/issues/%d/comments?per_page=100&page=%d", repo, pr, page), nil, &comments); err != nil {
			return 0, "", err
		}
		for _, c := range comments {
			if strings.HasPrefix(c.Body, marker) && c.User.Login == author {
				return c.ID, c.Body, nil
			}
		}
		if len(comments) < 100 {
			break
		}
	}
	return 0, "", nil
}
