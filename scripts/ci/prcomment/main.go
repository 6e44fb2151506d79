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
)

// marker identifies teebench's comment among a pull request's comments.
const marker = "<!-- teebench-pr-report -->"

// maxBody is GitHub's limit on a comment body, with room for the header.
const maxBody = 65000

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
		fmt.Fprintf(&b, "Latest run: %s (full reports in its artifacts). ", runURL)
	}
	fmt.Fprintf(&b, "Head %s.\n\n", headSHA[:12])
	budget := (maxBody - b.Len()) / max(1, len(runners))
	for _, r := range runners {
		s := byRunner[r]
		body := s.Body
		const cut = "\n\n… (truncated: the full report is in the run's artifacts and job summary)"
		if len(body) > budget-200 {
			body = body[:max(0, budget-200-len(cut))] + cut
		}
		fmt.Fprintf(&b, "<!-- teebench-section %s %s -->\n%s\n<!-- teebench-section-end %s -->\n\n", s.Runner, s.SHA, body, s.Runner)
	}
	return b.String()
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
