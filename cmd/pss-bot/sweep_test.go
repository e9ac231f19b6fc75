package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pss-bot/pss-bot/bot"
	"github.com/pss-bot/pss-bot/bot/fakegithub"
)

const sweepManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.0
`

// sweepEnv is the environment of a sweep against the fake: the private key
// travels as PSS_BOT_PRIVATE_KEY, as in a container.
func sweepEnv(gh *fakegithub.Server) func(string) string {
	env := map[string]string{
		"PSS_BOT_GITHUB_URL":  gh.APIURL,
		"PSS_BOT_APP_ID":      fmt.Sprint(gh.AppID),
		"PSS_BOT_PRIVATE_KEY": string(gh.PrivateKeyPEM),
	}
	return func(k string) string { return env[k] }
}

func runSweepCmd(t *testing.T, gh *fakegithub.Server, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = sweep(context.Background(), args, sweepEnv(gh), &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "ghs_") {
			t.Errorf("a secret was printed:\n%s", s)
		}
	}
	return code, out.String(), errb.String()
}

func TestSweepCommandDryRun(t *testing.T) {
	gh := fakegithub.New(t)
	gh.AddInstallation(3, "acme")
	r := gh.AddRepo(3, "acme/app", fakegithub.RepoOptions{})
	r.Commit("main", "dev", "init", map[string]string{"deploy/api.yaml": sweepManifest})

	code, out, errOut := runSweepCmd(t, gh, "--dry-run", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("dry run output:\n%s", out)
	for _, want := range []string{"acme/app: opened", "would open pull request", "would commit the fix", "dry run: nothing written"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, req := range gh.Requests() {
		if req.Write && !strings.HasSuffix(req.Path, "/access_tokens") {
			t.Errorf("dry run wrote %s %s", req.Method, req.Path)
		}
	}
	if len(gh.PullRequests(r)) != 0 || r.Branch(bot.Branch) != "" {
		t.Error("dry run changed the repository")
	}

	// For real, then again: the second run changes nothing.
	if code, out, errOut := runSweepCmd(t, gh, "--repo", "acme/app"); code != 0 || !strings.Contains(out, "acme/app: opened #1") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, out, _ := runSweepCmd(t, gh, "--installation", "3"); code != 0 || !strings.Contains(out, "acme/app: none #1") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
}

func TestSweepCommandNamesFailures(t *testing.T) {
	gh := fakegithub.New(t)
	gh.AddInstallation(3, "acme")
	for _, n := range []string{"good", "bad"} {
		gh.AddRepo(3, "acme/"+n, fakegithub.RepoOptions{}).Commit("main", "dev", "init", map[string]string{"deploy/api.yaml": sweepManifest})
	}
	gh.FailNext("GET", "/repos/acme/bad", 500)
	code, out, errOut := runSweepCmd(t, gh)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	if !strings.Contains(errOut, "1 repository failed: acme/bad") {
		t.Errorf("stderr does not name the failing repository:\n%s", errOut)
	}
	if !strings.Contains(out, "acme/good: opened") || !strings.Contains(out, "acme/bad: failed") {
		t.Errorf("stdout:\n%s", out)
	}

	// A repository that is not installed is a named failure too.
	code, _, errOut = runSweepCmd(t, gh, "--repo", "acme/nope")
	if code != 1 || !strings.Contains(errOut, "acme/nope") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestSweepCommandSettings(t *testing.T) {
	var out, errb bytes.Buffer
	code := sweep(context.Background(), nil, func(string) string { return "" }, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "app-id") || !strings.Contains(errb.String(), "private-key") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
	errb.Reset()
	if code := sweep(context.Background(), []string{"--bogus"}, func(string) string { return "" }, &out, &errb); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
	errb.Reset()
	if code := sweep(context.Background(), []string{"--help"}, func(string) string { return "" }, &out, &errb); code != 0 || !strings.Contains(errb.String(), "--dry-run") {
		t.Errorf("--help: exit %d\n%s", code, errb.String())
	}
}
