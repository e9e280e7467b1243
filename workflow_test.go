package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const pagesWorkflow = "docs/examples/honeybucket-pages.yml"

// workflow is what the test reads of a GitHub Actions workflow.
type workflow struct {
	// On is by event: workflow_dispatch has no value, only its key.
	On          map[string]yaml.Node `yaml:"on"`
	Permissions map[string]string    `yaml:"permissions"`
	Jobs        map[string]struct {
		Environment struct{ Name string } `yaml:"environment"`
		Steps       []step                `yaml:"steps"`
	} `yaml:"jobs"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// TestPagesWorkflow checks the README's GitHub Pages workflow: weekly and
// by hand, OIDC credentials and no stored keys, the logs fetched, the
// site restored, the report step's flags real, the official Pages actions
// in order, every action pinned to a release, and the permissions Pages
// deployment needs and no write access to the repository.
func TestPagesWorkflow(t *testing.T) {
	raw, err := os.ReadFile(pagesWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	var schedule []struct{ Cron string }
	if n, ok := wf.On["schedule"]; !ok || n.Decode(&schedule) != nil || len(schedule) != 1 ||
		len(strings.Fields(schedule[0].Cron)) != 5 || strings.Fields(schedule[0].Cron)[4] != "1" {
		t.Errorf("schedule %+v: want one weekly cron (on Mondays)", schedule)
	}
	if _, ok := wf.On["workflow_dispatch"]; !ok {
		t.Error("no workflow_dispatch: the job cannot be run by hand")
	}
	for perm, want := range map[string]string{"pages": "write", "id-token": "write", "contents": "read"} {
		if got := wf.Permissions[perm]; got != want {
			t.Errorf("permissions.%s = %q, want %q", perm, got, want)
		}
	}
	for perm, v := range wf.Permissions {
		if v == "write" && perm != "pages" && perm != "id-token" {
			t.Errorf("permissions.%s: write, more than Pages needs", perm)
		}
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(wf.Jobs))
	}
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+@v\d+\.\d+\.\d+$`)
	for _, job := range wf.Jobs {
		if job.Environment.Name != "github-pages" {
			t.Errorf("environment %q, want github-pages (deploy-pages needs it)", job.Environment.Name)
		}
		// The position of each step that does one of the things, -1 if none.
		at := map[string]int{}
		find := func(what string, ok func(s step) bool) {
			if at[what] = slices.IndexFunc(job.Steps, ok); at[what] < 0 {
				t.Errorf("no step that %s", what)
			}
		}
		uses := func(s step, action string) bool { return strings.HasPrefix(s.Uses, action+"@") }
		for i, s := range job.Steps {
			if s.Uses != "" && !pinned.MatchString(s.Uses) {
				t.Errorf("step %d uses %q: not pinned to a release (owner/repo@vX.Y.Z)", i, s.Uses)
			}
			for k, v := range s.With {
				if strings.Contains(strings.ToLower(k), "access-key") {
					t.Errorf("step %d passes %s=%v: AWS keys, where OIDC needs none", i, k, v)
				}
			}
		}
		find("assumes an AWS role by OIDC", func(s step) bool {
			return uses(s, "aws-actions/configure-aws-credentials") && s.With["role-to-assume"] != nil
		})
		find("restores the site", func(s step) bool {
			return strings.Contains(s.Run, "gh run download") && strings.Contains(s.Run, "-D site")
		})
		// The logs are read where they live, pruned to the window: no
		// step copies the whole prefix first.
		find("runs the weekly report into the site", func(s step) bool {
			return strings.Contains(s.Run, "honeyreport report") && strings.Contains(s.Run, "--window last-week --site site/") &&
				strings.Contains(s.Env["LOG_URI"], "vars.LOG_URI") && strings.Contains(s.Run, `"${logs[@]}"`)
		})
		find("keeps the site with its hidden files", func(s step) bool {
			return uses(s, "actions/upload-artifact") && s.With["include-hidden-files"] == true
		})
		find("configures Pages", func(s step) bool { return uses(s, "actions/configure-pages") })
		find("uploads the site", func(s step) bool {
			return uses(s, "actions/upload-pages-artifact") && s.With["path"] == "site/"
		})
		find("deploys", func(s step) bool { return uses(s, "actions/deploy-pages") })
		for i, s := range job.Steps {
			if strings.Contains(s.Run, "aws s3 sync") || strings.Contains(s.Run, "aws s3 cp") {
				t.Errorf("step %d copies the logs: the report reads s3:// itself, only the window's objects", i)
			}
		}
		order := []string{"assumes an AWS role by OIDC", "runs the weekly report into the site",
			"keeps the site with its hidden files", "uploads the site", "deploys"}
		for i := 1; i < len(order); i++ {
			if at[order[i-1]] >= at[order[i]] {
				t.Errorf("the step that %s comes after the one that %s", order[i-1], order[i])
			}
		}
		if at["restores the site"] >= at["runs the weekly report into the site"] {
			t.Error("the site is restored after the report is added to it")
		}
		if i := at["runs the weekly report into the site"]; i >= 0 {
			s := job.Steps[i]
			checkReportFlags(t, s.Run)
			// The digest is mailed only when the SMTP secrets are set, with
			// the credentials in the environment, never on the command line.
			if !strings.Contains(s.Run, `if [ -n "$SMTP_HOST" ]`) || !strings.Contains(s.Run, "--smtp") ||
				!strings.Contains(s.Env["HONEYREPORT_SMTP_USER"], "secrets.") || !strings.Contains(s.Env["HONEYREPORT_SMTP_PASSWORD"], "secrets.") {
				t.Errorf("the report step does not mail the digest when SMTP secrets are set:\n%s", s.Run)
			}
			if strings.Contains(s.Run, "PASSWORD") {
				t.Error("the SMTP password is on the command line")
			}
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(raw)+"```\n") {
		t.Errorf("README.md does not show %s as it is", pagesWorkflow)
	}
}

// checkReportFlags checks that every flag the script passes to
// "honeyreport report" is one of its flags.
func checkReportFlags(t *testing.T, script string) {
	t.Helper()
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f reportFlags
	f.register(fs, "report.html")
	// The report's arguments are the lines that build args or run it;
	// the shell's own flags ([ -n, read -r) are elsewhere.
	flagRE := regexp.MustCompile(`(?:^|[\s(])--?([a-z][a-z-]*)`)
	for _, line := range strings.Split(script, "\n") {
		if !strings.Contains(line, "args=(") && !strings.Contains(line, "args+=(") && !strings.Contains(line, "honeyreport report") {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
			if name := m[1]; fs.Lookup(name) == nil {
				t.Errorf("the workflow passes --%s, which honeyreport report does not have", name)
			}
		}
	}
}
