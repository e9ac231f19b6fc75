package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// testKey is one RSA key for the whole test binary: generating is slow.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pkcs1PEM(t *testing.T) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())}))
}

func pkcs8PEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(testKey())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func ecPKCS8PEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// load registers the flags (serve or sweep), parses args, and loads.
func load(t *testing.T, forServe bool, args []string, env map[string]string, need Need) (*App, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	RegisterAppFlags(fs, forServe)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return LoadApp(fs, func(k string) string { return env[k] }, need)
}

func TestLoadAppDefaults(t *testing.T) {
	a, err := load(t, true, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := App{
		GitHubURL: "https://api.github.com/", Concurrency: 4, LogLevel: "info", LogFormat: "text",
		Listen: ":8080", SQLitePath: "pss-bot.db", Schedule: "CRON_TZ=UTC 0 3 * * *", Workers: 4,
		ShutdownTimeout: 30 * time.Second, JobTimeout: 15 * time.Minute, RedeliverInterval: 10 * time.Minute,
	}
	if a.GitHubURL != want.GitHubURL || a.Concurrency != want.Concurrency || a.LogLevel != want.LogLevel ||
		a.LogFormat != want.LogFormat || a.Listen != want.Listen || a.SQLitePath != want.SQLitePath ||
		a.Schedule != want.Schedule || a.Workers != want.Workers || a.AppID != 0 || a.DryRun ||
		a.ShutdownTimeout != want.ShutdownTimeout || a.JobTimeout != want.JobTimeout || a.RedeliverInterval != want.RedeliverInterval ||
		a.PrivateKey != nil || a.WebhookSecret != "" || a.DatabaseURL != "" || a.Installation != 0 || len(a.Repos) != 0 {
		t.Errorf("defaults:\n got %#v\nwant %#v", *a, want)
	}
	if db := a.Database(); db.Driver != "sqlite" || db.DSN != "pss-bot.db" {
		t.Errorf("Database() = %+v, want sqlite pss-bot.db", db)
	}
	if a.Cron().String() != DefaultSchedule {
		t.Errorf("Cron() = %q", a.Cron())
	}
}

// TestLoadAppSettings sets each setting through the flag and through the
// environment, and checks the resulting field.
func TestLoadAppSettings(t *testing.T) {
	keyPath := writeFile(t, "key.pem", pkcs1PEM(t))
	tests := []struct {
		setting string
		value   string
		serve   bool
		check   func(*App) bool
	}{
		{"github-url", "https://ghe.example.com/api/v3", false, func(a *App) bool { return a.GitHubURL == "https://ghe.example.com/api/v3/" }},
		{"github-url", "http://127.0.0.1:8123/", false, func(a *App) bool { return a.GitHubURL == "http://127.0.0.1:8123/" }},
		{"app-id", "12345", false, func(a *App) bool { return a.AppID == 12345 }},
		{"private-key", keyPath, false, func(a *App) bool {
			return string(a.PrivateKey) == pkcs1PEM(t) && a.RSAKey() != nil && a.RSAKey().N.Cmp(testKey().N) == 0
		}},
		{"private-key", pkcs8PEM(t), false, func(a *App) bool { return a.RSAKey() != nil && a.RSAKey().N.Cmp(testKey().N) == 0 }},
		{"concurrency", "9", false, func(a *App) bool { return a.Concurrency == 9 }},
		{"log-level", "DEBUG", false, func(a *App) bool { return a.LogLevel == "debug" }},
		{"log-format", "json", false, func(a *App) bool { return a.LogFormat == "json" }},
		{"dry-run", "true", false, func(a *App) bool { return a.DryRun }},
		{"webhook-secret", "s3cr3t", true, func(a *App) bool { return a.WebhookSecret == "s3cr3t" }},
		{"listen", "127.0.0.1:9000", true, func(a *App) bool { return a.Listen == "127.0.0.1:9000" }},
		{"database-url", "postgres://postgres@127.0.0.1:5432/test", true, func(a *App) bool {
			d := a.Database()
			return d.Driver == "postgres" && d.DSN == "postgres://postgres@127.0.0.1:5432/test"
		}},
		{"database-url", "sqlite:///var/lib/pss-bot/q.db", true, func(a *App) bool {
			d := a.Database()
			return d.Driver == "sqlite" && d.DSN == "/var/lib/pss-bot/q.db"
		}},
		{"database-url", "data/queue.db", true, func(a *App) bool {
			d := a.Database()
			return d.Driver == "sqlite" && d.DSN == "data/queue.db"
		}},
		{"sqlite-path", "/data/pss.db", true, func(a *App) bool { return a.SQLitePath == "/data/pss.db" && a.Database().DSN == "/data/pss.db" }},
		{"schedule", "CRON_TZ=Europe/Paris 30 2 * * 1-5", true, func(a *App) bool {
			return a.Schedule == "CRON_TZ=Europe/Paris 30 2 * * 1-5" && a.Cron().Location().String() == "Europe/Paris"
		}},
		{"workers", "16", true, func(a *App) bool { return a.Workers == 16 }},
		{"shutdown-timeout", "45s", true, func(a *App) bool { return a.ShutdownTimeout == 45*time.Second }},
		{"job-timeout", "1h30m", true, func(a *App) bool { return a.JobTimeout == 90*time.Minute }},
		{"redeliver-interval", "90s", true, func(a *App) bool { return a.RedeliverInterval == 90*time.Second }},
		{"redeliver-interval", "0", true, func(a *App) bool { return a.RedeliverInterval == 0 }},
		{"installation", "42", false, func(a *App) bool { return a.Installation == 42 }},
		{"repo", "acme/web", false, func(a *App) bool { return len(a.Repos) == 1 && a.Repos[0] == "acme/web" }},
	}
	for _, tt := range tests {
		for _, via := range []string{"flag", "env"} {
			t.Run(tt.setting+"/"+via, func(t *testing.T) {
				var args []string
				env := map[string]string{}
				if via == "flag" {
					args = []string{"--" + tt.setting + "=" + tt.value}
				} else {
					env[EnvName(tt.setting)] = tt.value
				}
				a, err := load(t, tt.serve, args, env, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.check(a) {
					t.Errorf("%s=%q: unexpected result %v", tt.setting, tt.value, a)
				}
			})
		}
	}
}

// TestLoadAppDurations sets serve's durations through each source, and
// checks that a bad value is refused with its setting and source named.
func TestLoadAppDurations(t *testing.T) {
	tests := []struct {
		setting string
		via     string // flag, env or file
		value   string
		want    time.Duration
		err     string // the whole error when the value is refused
	}{
		{setting: "shutdown-timeout", via: "flag", value: "300ms", want: 300 * time.Millisecond},
		{setting: "shutdown-timeout", via: "env", value: "2m", want: 2 * time.Minute},
		{setting: "shutdown-timeout", via: "file", value: "1m30s", want: 90 * time.Second},
		{setting: "shutdown-timeout", via: "env", value: "0",
			err: `shutdown-timeout: must be a positive duration such as 30s, got "0" (from PSS_BOT_SHUTDOWN_TIMEOUT)`},
		{setting: "shutdown-timeout", via: "flag", value: "-5s",
			err: `shutdown-timeout: must be a positive duration such as 30s, got "-5s" (from flag --shutdown-timeout)`},
		{setting: "shutdown-timeout", via: "file", value: "30",
			err: `shutdown-timeout: must be a positive duration such as 30s, got "30" (from config file FILE)`},

		{setting: "job-timeout", via: "flag", value: "45m", want: 45 * time.Minute},
		{setting: "job-timeout", via: "env", value: "1h", want: time.Hour},
		{setting: "job-timeout", via: "file", value: "20m", want: 20 * time.Minute},
		{setting: "job-timeout", via: "env", value: "abc",
			err: `job-timeout: must be a positive duration such as 15m, got "abc" (from PSS_BOT_JOB_TIMEOUT)`},
		{setting: "job-timeout", via: "file", value: "0s",
			err: `job-timeout: must be a positive duration such as 15m, got "0s" (from config file FILE)`},
		{setting: "job-timeout", via: "flag", value: "0",
			err: `job-timeout: must be a positive duration such as 15m, got "0s" (from flag --job-timeout)`},

		{setting: "redeliver-interval", via: "flag", value: "0", want: 0},
		{setting: "redeliver-interval", via: "env", value: "30m", want: 30 * time.Minute},
		{setting: "redeliver-interval", via: "env", value: "0", want: 0},
		{setting: "redeliver-interval", via: "file", value: "0", want: 0},
		{setting: "redeliver-interval", via: "file", value: "5m", want: 5 * time.Minute},
		{setting: "redeliver-interval", via: "env", value: "-1m",
			err: `redeliver-interval: must be a duration such as 10m, or 0 to disable, got "-1m" (from PSS_BOT_REDELIVER_INTERVAL)`},
		{setting: "redeliver-interval", via: "file", value: "often",
			err: `redeliver-interval: must be a duration such as 10m, or 0 to disable, got "often" (from config file FILE)`},
	}
	field := map[string]func(*App) time.Duration{
		"shutdown-timeout":   func(a *App) time.Duration { return a.ShutdownTimeout },
		"job-timeout":        func(a *App) time.Duration { return a.JobTimeout },
		"redeliver-interval": func(a *App) time.Duration { return a.RedeliverInterval },
	}
	for _, tt := range tests {
		t.Run(tt.setting+"/"+tt.via+"/"+tt.value, func(t *testing.T) {
			var args []string
			env := map[string]string{}
			wantErr := tt.err
			switch tt.via {
			case "flag":
				args = []string{"--" + tt.setting + "=" + tt.value}
			case "env":
				env[EnvName(tt.setting)] = tt.value
			case "file":
				file := writeFile(t, "pss-bot.yaml", tt.setting+": "+tt.value+"\n")
				args = []string{"--config", file}
				wantErr = strings.ReplaceAll(wantErr, "FILE", file)
			}
			a, err := load(t, true, args, env, 0)
			if wantErr != "" {
				if err == nil || err.Error() != wantErr {
					t.Fatalf("err = %v\nwant %s", err, wantErr)
				}
				var se *SettingError
				if !errors.As(err, &se) || se.Setting != tt.setting {
					t.Errorf("err %T is not a *SettingError for %s", err, tt.setting)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := field[tt.setting](a); got != tt.want {
				t.Errorf("%s = %v, want %v", tt.setting, got, tt.want)
			}
			if got, want := a.Redacted()[tt.setting], shortDuration(tt.want); got != want {
				t.Errorf("Redacted()[%q] = %v, want %v", tt.setting, got, want)
			}
		})
	}

	// A value pflag cannot parse never reaches LoadApp: the flag is refused.
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	RegisterAppFlags(fs, true)
	if err := fs.Parse([]string{"--job-timeout", "abc"}); err == nil || !strings.Contains(err.Error(), "job-timeout") {
		t.Errorf("--job-timeout abc: parse err = %v", err)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 300 * time.Millisecond: "300ms", 30 * time.Second: "30s", 15 * time.Minute: "15m",
		90 * time.Second: "1m30s", time.Hour: "1h", 90 * time.Minute: "1h30m", time.Hour + time.Second: "1h0m1s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLoadAppRepeatedRepos(t *testing.T) {
	a, err := load(t, false, []string{"--repo", "acme/web", "--repo", "acme/api"}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Repos) != "[acme/web acme/api]" {
		t.Errorf("flags: Repos = %q", a.Repos)
	}
	a, err = load(t, false, nil, map[string]string{"PSS_BOT_REPO": "acme/web, acme/api"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Repos) != "[acme/web acme/api]" {
		t.Errorf("env: Repos = %q", a.Repos)
	}
}

// TestLoadAppPrecedence: flag > env > file > default, for each layer.
func TestLoadAppPrecedence(t *testing.T) {
	file := writeFile(t, "pss-bot.yaml", "concurrency: 3\nlog-level: warn\n")
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		want   int
		source string
	}{
		{"default", nil, nil, 4, ""},
		{"file", []string{"--config", file}, nil, 3, ""},
		{"file via PSS_BOT_CONFIG", nil, map[string]string{"PSS_BOT_CONFIG": file}, 3, ""},
		{"env over file", []string{"--config", file}, map[string]string{"PSS_BOT_CONCURRENCY": "7"}, 7, ""},
		{"flag over env and file", []string{"--config", file, "--concurrency", "11"}, map[string]string{"PSS_BOT_CONCURRENCY": "7"}, 11, ""},
		{"flag over default", []string{"--concurrency", "2"}, nil, 2, ""},
		{"empty env is unset", nil, map[string]string{"PSS_BOT_CONCURRENCY": ""}, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := load(t, false, tt.args, tt.env, 0)
			if err != nil {
				t.Fatal(err)
			}
			if a.Concurrency != tt.want {
				t.Errorf("Concurrency = %d, want %d", a.Concurrency, tt.want)
			}
		})
	}
	// The source of a bad value is named: here the environment beats the file.
	_, err := load(t, false, []string{"--config", file}, map[string]string{"PSS_BOT_CONCURRENCY": "0"}, 0)
	if err == nil || !strings.Contains(err.Error(), "concurrency: must be at least 1, got 0 (from PSS_BOT_CONCURRENCY)") {
		t.Errorf("err = %v", err)
	}
	file0 := writeFile(t, "zero.yaml", "concurrency: 0\n")
	_, err = load(t, false, []string{"--config", file0}, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "(from config file "+file0+")") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadAppConfigFile(t *testing.T) {
	key := pkcs1PEM(t)
	indented := "  " + strings.ReplaceAll(strings.TrimSpace(key), "\n", "\n  ")
	file := writeFile(t, "pss-bot.yaml", fmt.Sprintf(`# settings
github-url: https://ghe.example.com/api/v3/
app-id: 777
private-key: |
%s
webhook-secret: hush
workers: 2
schedule: "CRON_TZ=Europe/Paris 0 4 * * *"
dry-run: true
`, indented))
	a, err := load(t, true, []string{"--config", file}, nil, NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	if a.AppID != 777 || a.Workers != 2 || !a.DryRun || a.WebhookSecret != "hush" || a.RSAKey() == nil ||
		a.GitHubURL != "https://ghe.example.com/api/v3/" || a.Schedule != "CRON_TZ=Europe/Paris 0 4 * * *" {
		t.Errorf("from file: %v", a)
	}
	// Sweep settings in a file shared with serve are accepted too.
	b, err := load(t, false, []string{"--config", writeFile(t, "s.yaml", "repo: [acme/web, acme/api]\ninstallation: 5\n")}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Repos) != 2 || b.Installation != 5 {
		t.Errorf("repo list from file: %v", b)
	}
}

func TestLoadAppConfigFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"unknown key", "app-id: 1\napp_id: 2\n", `:2: unknown setting "app_id" (did you mean "app-id"?)`},
		{"duplicate key", "app-id: 1\napp-id: 2\n", ":2: app-id: duplicate key"},
		{"not a mapping", "- app-id\n", ":1: want a mapping of settings"},
		{"syntax", "app-id: 1\n  bad: [\n", ":2: invalid YAML"},
		{"nested value", "app-id:\n  x: 1\n", ":2: app-id: want a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "c.yaml", tt.content)
			_, err := load(t, false, []string{"--config", p}, nil, 0)
			if err == nil || !strings.Contains(err.Error(), "config: "+p+tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, p+tt.want)
			}
		})
	}
	_, err := load(t, false, []string{"--config", "/nonexistent/pss.yaml"}, nil, 0)
	if err == nil || !strings.HasPrefix(err.Error(), "config: reading config file") {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestLoadAppErrors checks each required or invalid setting names itself.
func TestLoadAppErrors(t *testing.T) {
	tests := []struct {
		name  string
		serve bool
		env   map[string]string
		need  Need
		want  string
	}{
		{"app-id required", false, nil, NeedGitHub, "app-id: required (flag --app-id or PSS_BOT_APP_ID)"},
		{"private-key required", false, nil, NeedGitHub, "private-key: required (flag --private-key or PSS_BOT_PRIVATE_KEY)"},
		{"webhook-secret required", true, nil, NeedWebhook, "webhook-secret: required (flag --webhook-secret or PSS_BOT_WEBHOOK_SECRET)"},
		{"app-id not a number", false, map[string]string{"PSS_BOT_APP_ID": "abc"}, 0, `app-id: "abc" is not a whole number (from PSS_BOT_APP_ID)`},
		{"app-id negative", false, map[string]string{"PSS_BOT_APP_ID": "-3"}, 0, "app-id: must be a positive number"},
		{"github-url relative", false, map[string]string{"PSS_BOT_GITHUB_URL": "api.github.com"}, 0, `github-url: "api.github.com" is not an absolute http(s) URL`},
		{"github-url ftp", false, map[string]string{"PSS_BOT_GITHUB_URL": "ftp://x/"}, 0, `github-url: "ftp://x/" is not an absolute http(s) URL`},
		{"github-url credentials without scheme", false, map[string]string{"PSS_BOT_GITHUB_URL": "user:hunter2@ghe.example.com"}, 0, "github-url: must not contain credentials"},
		{"github-url query", false, map[string]string{"PSS_BOT_GITHUB_URL": "https://x/?a=b"}, 0, "github-url: \"https://x/?a=b\" must not have a query"},
		{"private-key missing file", false, map[string]string{"PSS_BOT_PRIVATE_KEY": "/nonexistent/key.pem"}, 0, "private-key: reading key file: /nonexistent/key.pem: no such file or directory"},
		{"private-key garbage PEM", false, map[string]string{"PSS_BOT_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"}, 0, "private-key: not a PEM-encoded RSA private key: malformed PKCS#1 key"},
		{"private-key EC", false, map[string]string{"PSS_BOT_PRIVATE_KEY": ecPKCS8PEM(t)}, 0, "private-key: not a PEM-encoded RSA private key: PKCS#8 key is *ecdsa.PrivateKey"},
		{"concurrency zero", false, map[string]string{"PSS_BOT_CONCURRENCY": "0"}, 0, "concurrency: must be at least 1, got 0"},
		{"concurrency text", false, map[string]string{"PSS_BOT_CONCURRENCY": "many"}, 0, `concurrency: "many" is not a whole number`},
		{"log-level", false, map[string]string{"PSS_BOT_LOG_LEVEL": "verbose"}, 0, `log-level: "verbose" is not one of debug, info, warn, error`},
		{"log-format", false, map[string]string{"PSS_BOT_LOG_FORMAT": "xml"}, 0, `log-format: "xml" is not one of text, json`},
		{"dry-run", false, map[string]string{"PSS_BOT_DRY_RUN": "maybe"}, 0, `dry-run: "maybe" is not true or false`},
		{"listen", true, map[string]string{"PSS_BOT_LISTEN": "8080"}, 0, `listen: "8080" is not host:port`},
		{"listen port", true, map[string]string{"PSS_BOT_LISTEN": ":99999"}, 0, `listen: ":99999": port must be a number from 0 to 65535`},
		{"database-url scheme", true, map[string]string{"PSS_BOT_DATABASE_URL": "mysql://u:p@h/db"}, 0, `database-url: unsupported scheme "mysql"`},
		{"database-url sqlite empty", true, map[string]string{"PSS_BOT_DATABASE_URL": "sqlite://"}, 0, "database-url: sqlite:// needs a file path"},
		{"schedule fields", true, map[string]string{"PSS_BOT_SCHEDULE": "0 3 * *"}, 0, "schedule: want 5 fields"},
		{"schedule zone", true, map[string]string{"PSS_BOT_SCHEDULE": "CRON_TZ=Mars/Olympus 0 3 * * *"}, 0, `schedule: unknown time zone "Mars/Olympus"`},
		{"schedule hour", true, map[string]string{"PSS_BOT_SCHEDULE": "0 24 * * *"}, 0, `schedule: hour "24": 24 is out of range 0-23`},
		{"workers", true, map[string]string{"PSS_BOT_WORKERS": "0"}, 0, "workers: must be at least 1, got 0"},
		{"job-timeout", true, map[string]string{"PSS_BOT_JOB_TIMEOUT": "abc"}, 0, `job-timeout: must be a positive duration such as 15m, got "abc" (from PSS_BOT_JOB_TIMEOUT)`},
		{"installation", false, map[string]string{"PSS_BOT_INSTALLATION": "-1"}, 0, "installation: must be a positive installation ID"},
		{"repo", false, map[string]string{"PSS_BOT_REPO": "just-a-name"}, 0, `repo: "just-a-name" is not owner/name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.serve, nil, tt.env, tt.need)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant it to contain %q", err, tt.want)
			}
			var se *SettingError
			if !errors.As(err, &se) {
				t.Errorf("err %T is not a *SettingError", err)
			}
		})
	}
}

func TestLoadAppReportsEveryProblem(t *testing.T) {
	_, err := load(t, true, nil, map[string]string{"PSS_BOT_WORKERS": "0"}, NeedServe)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"app-id: required", "private-key: required", "webhook-secret: required", "workers: must be at least 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, missing %q", err, want)
		}
	}
}

func TestLoadAppKeyWithEscapedNewlines(t *testing.T) {
	oneLine := strings.ReplaceAll(pkcs1PEM(t), "\n", `\n`)
	a, err := load(t, false, nil, map[string]string{"PSS_BOT_PRIVATE_KEY": oneLine, "PSS_BOT_APP_ID": "1"}, NeedGitHub)
	if err != nil {
		t.Fatal(err)
	}
	if a.RSAKey() == nil || a.RSAKey().N.Cmp(testKey().N) != 0 {
		t.Error("key with literal \\n not parsed")
	}
}

// TestSecretsNeverShown fails if the private key, the webhook secret or the
// database password shows up in any printed form of App or in errors.
func TestSecretsNeverShown(t *testing.T) {
	key := pkcs1PEM(t)
	keyBody := strings.Split(key, "\n")[1] // a line of base64, unique to the key
	const secret, dbPassword = "whsec-Zq9-not-for-logs", "pgPa55w0rd-private"
	env := map[string]string{
		"PSS_BOT_APP_ID":         "1",
		"PSS_BOT_PRIVATE_KEY":    key,
		"PSS_BOT_WEBHOOK_SECRET": secret,
		"PSS_BOT_DATABASE_URL":   "postgres://bot:" + dbPassword + "@127.0.0.1:5432/test?sslmode=disable&password=" + dbPassword,
	}
	a, err := load(t, true, nil, env, NeedServe)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	text := slog.New(slog.NewTextHandler(&logs, nil))
	text.Info("settings", "app", a)
	text.Info("settings", "app", *a)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("settings", "app", a)
	a.Logger(&logs).Info("settings", "app", a)
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String": a.String(), "%v": fmt.Sprintf("%v", a), "%+v": fmt.Sprintf("%+v", a),
		"%#v": fmt.Sprintf("%#v", a), "%s": fmt.Sprintf("%s", a), "%d": fmt.Sprintf("%d", a),
		"%x": fmt.Sprintf("%x", a), "%q": fmt.Sprintf("%q", a), "value %+v": fmt.Sprintf("%+v", *a),
		"value %#v": fmt.Sprintf("%#v", *a), "slog": logs.String(), "json": string(js),
		"Redacted": fmt.Sprint(a.Redacted()), "Database().Redacted": a.Database().Redacted,
	}
	for name, out := range outputs {
		for _, s := range []string{keyBody, "PRIVATE KEY", secret, dbPassword} {
			if strings.Contains(out, s) {
				t.Errorf("%s output leaks %q:\n%s", name, s, out)
			}
		}
	}
	if !strings.Contains(a.String(), "webhook-secret=[redacted]") || !strings.Contains(a.String(), "private-key=[redacted]") {
		t.Errorf("String() = %s, want the secrets shown as [redacted]", a)
	}
	if !strings.Contains(a.String(), "127.0.0.1:5432/test") || !strings.Contains(a.String(), "app-id=1") {
		t.Errorf("String() = %s, want the non-secret settings", a)
	}

	// Invalid secrets are not echoed in errors either.
	bad := map[string]string{
		"PSS_BOT_PRIVATE_KEY":  "-----BEGIN RSA PRIVATE KEY-----\n" + "c2VjcmV0LWtleS1ib2R5LWRvLW5vdC1wcmludA==\n-----END RSA PRIVATE KEY-----\n",
		"PSS_BOT_DATABASE_URL": "postgres://bot:" + dbPassword + "@[::1:5432/test",
		"PSS_BOT_GITHUB_URL":   "https://user:" + secret + "@ghe.example.com/api/v3/",
	}
	_, err = load(t, true, nil, bad, 0)
	if err == nil {
		t.Fatal("no error for bad secrets")
	}
	for _, s := range []string{"c2VjcmV0LWtleS1ib2R5", dbPassword, secret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks %q: %v", s, err)
		}
	}
	for _, want := range []string{"private-key: not a PEM-encoded RSA private key", "database-url: not a valid postgres:// URL", "github-url: must not contain credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, missing %q", err, want)
		}
	}
}

func TestRegisterAppFlags(t *testing.T) {
	sweep := pflag.NewFlagSet("sweep", pflag.ContinueOnError)
	RegisterAppFlags(sweep, false)
	serve := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	RegisterAppFlags(serve, true)
	for _, name := range []string{"config", "github-url", "app-id", "private-key", "concurrency", "log-level", "dry-run"} {
		if sweep.Lookup(name) == nil || serve.Lookup(name) == nil {
			t.Errorf("--%s missing from sweep or serve", name)
		}
	}
	for _, name := range []string{"installation", "repo"} {
		if sweep.Lookup(name) == nil || serve.Lookup(name) != nil {
			t.Errorf("--%s should be a sweep flag only", name)
		}
	}
	for _, name := range []string{"webhook-secret", "listen", "database-url", "sqlite-path", "schedule", "workers",
		"shutdown-timeout", "job-timeout", "redeliver-interval"} {
		if serve.Lookup(name) == nil || sweep.Lookup(name) != nil {
			t.Errorf("--%s should be a serve flag only", name)
		}
	}
	// serve's duration flags keep their names and defaults.
	for name, def := range map[string]string{"shutdown-timeout": "30s", "job-timeout": "15m0s", "redeliver-interval": "10m0s"} {
		if f := serve.Lookup(name); f == nil || f.Value.Type() != "duration" || f.DefValue != def {
			t.Errorf("--%s = %+v, want a duration flag with default %s", name, f, def)
		}
	}
	if f := serve.Lookup("app-id"); !strings.Contains(f.Usage, "PSS_BOT_APP_ID") {
		t.Errorf("usage of --app-id does not name its environment variable: %q", f.Usage)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	a := &App{LogLevel: "warn", LogFormat: "json"}
	l := a.Logger(&buf)
	l.Info("hidden")
	l.Warn("shown", "repo", "acme/web")
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &rec); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", buf.String(), err)
	}
	if rec["msg"] != "shown" || rec["repo"] != "acme/web" {
		t.Errorf("record = %v", rec)
	}
	buf.Reset()
	(&App{LogLevel: "debug"}).Logger(&buf).Debug("dbg")
	if !strings.Contains(buf.String(), "level=DEBUG msg=dbg") {
		t.Errorf("text debug log = %q", buf.String())
	}
}
