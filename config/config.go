// Package config reads pss-bot's settings: the App's own (flags, PSS_BOT_*
// environment variables, a config file, through viper) and each repository's
// .github/pss-bot.yaml, decoded strictly.
//
// App settings are resolved with the precedence flag > environment > config
// file > default. Every problem is reported at once, each error naming the
// setting and where its value came from; secrets (the private key, the webhook
// secret, a database password) never appear in errors, String, %v or logs.
package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// EnvPrefix starts the name of every environment variable pss-bot reads:
// setting "app-id" is PSS_BOT_APP_ID.
const EnvPrefix = "PSS_BOT_"

// Defaults.
const (
	DefaultGitHubURL   = "https://api.github.com/"
	DefaultConcurrency = 4
	DefaultLogLevel    = "info"
	DefaultLogFormat   = "text"
	DefaultListen      = ":8080"
	DefaultSQLitePath  = "pss-bot.db"
	DefaultWorkers     = 4

	DefaultShutdownTimeout   = 30 * time.Second
	DefaultJobTimeout        = 15 * time.Minute
	DefaultRedeliverInterval = 10 * time.Minute
)

// Redacted replaces a secret wherever settings are shown.
const Redacted = "[redacted]"

// App holds the settings of the pss-bot process. Build it with LoadApp, which
// validates every field; print it freely: String, LogValue, Format and
// MarshalJSON redact its secrets.
type App struct {
	// GitHubURL is the REST API base, ending in "/":
	// https://api.github.com/ or https://HOST/api/v3/ for GitHub Enterprise Server.
	GitHubURL string
	// AppID is the GitHub App's ID.
	AppID int64
	// PrivateKey is the App's PEM-encoded RSA private key (PKCS#1 or PKCS#8),
	// read from a file or given inline. Secret.
	PrivateKey []byte
	// Concurrency is how many repositories a sweep works on at once.
	Concurrency int
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// DryRun reports what would be opened or changed and writes nothing to GitHub.
	DryRun bool
	// WebhookSecret verifies X-Hub-Signature-256 (serve). Secret.
	WebhookSecret string
	// Listen is the HTTP address of serve.
	Listen string
	// DatabaseURL selects the queue database: empty for SQLite at SQLitePath,
	// postgres://... (or postgresql://) for PostgreSQL, sqlite://PATH or a
	// file path for SQLite elsewhere. May hold a password: use Database().
	DatabaseURL string
	// SQLitePath is the SQLite file used when DatabaseURL is empty.
	SQLitePath string
	// Schedule is the sweep schedule, a cron expression with an optional
	// "CRON_TZ=Zone " prefix; see ParseSchedule and Cron.
	Schedule string
	// Workers is the size of serve's job worker pool.
	Workers int
	// ShutdownTimeout is how long, on SIGTERM, serve lets running jobs
	// finish before cancelling them and handing them back to the queue.
	ShutdownTimeout time.Duration
	// JobTimeout is the longest a job may run before it is cancelled and
	// retried.
	JobTimeout time.Duration
	// RedeliverInterval is how often serve looks up failed webhook
	// deliveries and asks GitHub to redeliver them; 0 disables it.
	RedeliverInterval time.Duration
	// Installation restricts a sweep to one installation; 0 means all.
	Installation int64
	// Repos restricts a sweep to these owner/name repositories.
	Repos []string

	key      *rsa.PrivateKey
	schedule *Schedule
}

// Need says which settings a command requires beyond those with defaults.
type Need uint

const (
	// NeedGitHub requires app-id and private-key (sweep, serve).
	NeedGitHub Need = 1 << iota
	// NeedWebhook requires webhook-secret (serve).
	NeedWebhook
)

// NeedServe is what `pss-bot serve` requires.
const NeedServe = NeedGitHub | NeedWebhook

// setting describes one App setting: its name (flag and config-file key),
// default, help text, and whether it is a secret or serve-only.
type setting struct {
	name   string
	def    any
	help   string
	serve  bool // flag registered only for serve
	sweep  bool // flag registered only for sweep
	secret bool
}

// settings is the single table behind the flags, the environment, the
// config file and the README.
var settings = []setting{
	{name: "github-url", def: DefaultGitHubURL, help: "GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3/)"},
	{name: "app-id", def: int64(0), help: "GitHub App ID"},
	{name: "private-key", def: "", secret: true, help: "GitHub App private key: path to a PEM file, or the PEM itself"},
	{name: "concurrency", def: DefaultConcurrency, help: "repositories processed at once"},
	{name: "log-level", def: DefaultLogLevel, help: "log level: debug, info, warn or error"},
	{name: "log-format", def: DefaultLogFormat, help: "log format: text or json"},
	{name: "dry-run", def: false, help: "print what would be opened or changed; write nothing to GitHub"},
	{name: "webhook-secret", def: "", secret: true, serve: true, help: "secret that signs GitHub webhook deliveries"},
	{name: "listen", def: DefaultListen, serve: true, help: "HTTP listen address"},
	{name: "database-url", def: "", secret: true, serve: true, help: "queue database: postgres://... for PostgreSQL; empty, sqlite://PATH or a file path for SQLite"},
	{name: "sqlite-path", def: DefaultSQLitePath, serve: true, help: "SQLite file of the queue when database-url is empty"},
	{name: "schedule", def: DefaultSchedule, serve: true, help: `sweep schedule: cron "min hour dom month dow", optional "CRON_TZ=Zone " prefix`},
	{name: "workers", def: DefaultWorkers, serve: true, help: "job workers"},
	{name: "shutdown-timeout", def: DefaultShutdownTimeout, serve: true, help: "on SIGTERM, how long running jobs may finish before they are cancelled and handed back to the queue"},
	{name: "job-timeout", def: DefaultJobTimeout, serve: true, help: "longest a job may run before it is cancelled and retried"},
	{name: "redeliver-interval", def: DefaultRedeliverInterval, serve: true, help: "how often failed webhook deliveries are looked up and redelivered (0 disables)"},
	{name: "installation", def: int64(0), sweep: true, help: "sweep only this installation ID (0: all)"},
	{name: "repo", def: []string(nil), sweep: true, help: "sweep only this repository, owner/name (repeatable)"},
}

// ConfigFlag names the flag (and PSS_BOT_CONFIG) giving a YAML config file.
const ConfigFlag = "config"

// EnvName is the environment variable of a setting: "app-id" → PSS_BOT_APP_ID.
func EnvName(setting string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(setting, "-", "_"))
}

// RegisterAppFlags defines the App's flags on fs: the common ones, plus the
// serve ones when forServe, or the sweep filters otherwise.
func RegisterAppFlags(fs *pflag.FlagSet, forServe bool) {
	fs.String(ConfigFlag, "", "YAML config file of settings (keys are the flag names; env "+EnvName(ConfigFlag)+")")
	for _, s := range settings {
		if (s.serve && !forServe) || (s.sweep && forServe) {
			continue
		}
		help := s.help + " (env " + EnvName(s.name) + ")"
		switch d := s.def.(type) {
		case string:
			if s.secret {
				d = "" // never show a secret as a default
			}
			fs.String(s.name, d, help)
		case int:
			fs.Int(s.name, d, help)
		case int64:
			fs.Int64(s.name, d, help)
		case bool:
			fs.Bool(s.name, d, help)
		case time.Duration:
			fs.Duration(s.name, d, help)
		case []string:
			fs.StringArray(s.name, d, help)
		default:
			panic("config: setting " + s.name + " has an unsupported type")
		}
	}
}

// SettingError is one missing or invalid setting.
type SettingError struct {
	// Setting is the setting's name, e.g. "app-id".
	Setting string
	// Source says where the bad value came from: "flag --app-id",
	// "PSS_BOT_APP_ID", "config file F", "default", or "" when missing.
	Source string
	// Msg never contains a secret.
	Msg string
}

func (e *SettingError) Error() string {
	if e.Source == "" {
		return e.Setting + ": " + e.Msg
	}
	return e.Setting + ": " + e.Msg + " (from " + e.Source + ")"
}

// loader resolves settings through one viper instance and collects errors.
type loader struct {
	v        *viper.Viper
	fs       *pflag.FlagSet
	env      func(string) string
	file     string
	fileKeys map[string]bool
	errs     []error
}

// LoadApp resolves the App settings from the flags in fs (already parsed),
// the environment (env, or os.Getenv when nil) and the config file named by
// --config or PSS_BOT_CONFIG, then validates them. need lists the settings
// the command requires. The error joins one *SettingError per problem.
func LoadApp(fs *pflag.FlagSet, env func(string) string, need Need) (*App, error) {
	if env == nil {
		env = os.Getenv
	}
	if fs == nil {
		fs = pflag.NewFlagSet("pss-bot", pflag.ContinueOnError)
	}
	l := &loader{v: viper.New(), fs: fs, env: env}
	for _, s := range settings {
		l.v.SetDefault(s.name, s.def)
	}
	if err := l.readFile(); err != nil {
		return nil, err
	}
	// Environment variables are merged over the file's values, and viper
	// ranks changed flags above both. Reading them through env (rather than
	// viper.AutomaticEnv, which reads os.Getenv) keeps LoadApp testable and
	// free of global state.
	fromEnv := map[string]any{}
	for _, s := range settings {
		if val := env(EnvName(s.name)); val != "" {
			fromEnv[s.name] = val
		}
	}
	if err := l.v.MergeConfigMap(fromEnv); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	for _, s := range settings {
		if f := fs.Lookup(s.name); f != nil {
			if err := l.v.BindPFlag(s.name, f); err != nil {
				return nil, fmt.Errorf("config: flag --%s: %w", s.name, err)
			}
		}
	}

	a := &App{
		GitHubURL:     l.str("github-url"),
		AppID:         l.int("app-id"),
		Concurrency:   int(l.int("concurrency")),
		LogLevel:      strings.ToLower(l.str("log-level")),
		LogFormat:     strings.ToLower(l.str("log-format")),
		DryRun:        l.bool("dry-run"),
		WebhookSecret: l.str("webhook-secret"),
		Listen:        l.str("listen"),
		DatabaseURL:   l.str("database-url"),
		SQLitePath:    l.str("sqlite-path"),
		Schedule:      l.str("schedule"),
		Workers:       int(l.int("workers")),
		Installation:  l.int("installation"),
		Repos:         l.list("repo"),
	}
	l.validate(a, l.str("private-key"), need)
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return a, nil
}

// readFile merges the YAML config file, if one is named, into viper after
// checking it strictly: unknown or duplicate keys are errors with their line.
func (l *loader) readFile() error {
	path := ""
	if f := l.fs.Lookup(ConfigFlag); f != nil && f.Changed {
		path = f.Value.String()
	} else {
		path = l.env(EnvName(ConfigFlag))
	}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return &SettingError{Setting: ConfigFlag, Msg: fmt.Sprintf("reading config file: %v", err)}
	}
	values, err := parseSettingsFile(path, data)
	if err != nil {
		return err
	}
	l.file = path
	l.fileKeys = map[string]bool{}
	for k := range values {
		l.fileKeys[k] = true
	}
	return l.v.MergeConfigMap(values)
}

// parseSettingsFile decodes a config file: a YAML mapping of setting names.
func parseSettingsFile(path string, data []byte) (map[string]any, error) {
	fileErr := func(line int, format string, args ...any) error {
		return &SettingError{Setting: ConfigFlag, Msg: fmt.Sprintf("%s:%d: ", path, line) + fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		return nil, fileErr(line, "%s", msg)
	}
	values := map[string]any{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return values, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return values, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fileErr(root.Line, "want a mapping of settings (e.g. app-id: 12345)")
	}
	known := map[string]setting{}
	for _, s := range settings {
		known[s.name] = s
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		s, ok := known[k.Value]
		if !ok {
			return nil, fileErr(k.Line, "unknown setting %q%s", k.Value, suggest(k.Value, settingNames()))
		}
		if _, dup := values[k.Value]; dup {
			return nil, fileErr(k.Line, "%s: duplicate key", k.Value)
		}
		switch s.def.(type) {
		case []string:
			var list []string
			switch v.Kind {
			case yaml.ScalarNode:
				list = []string{v.Value}
			case yaml.SequenceNode:
				for _, item := range v.Content {
					if item.Kind != yaml.ScalarNode {
						return nil, fileErr(item.Line, "%s: want a list of strings", k.Value)
					}
					list = append(list, item.Value)
				}
			default:
				return nil, fileErr(v.Line, "%s: want a list of strings", k.Value)
			}
			values[k.Value] = list
		default:
			if v.Kind != yaml.ScalarNode {
				return nil, fileErr(v.Line, "%s: want a single value", k.Value)
			}
			if v.Tag == "!!null" {
				values[k.Value] = ""
			} else {
				values[k.Value] = v.Value
			}
		}
	}
	return values, nil
}

func settingNames() []string {
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.name
	}
	return names
}

// source says where the value of a setting comes from.
func (l *loader) source(name string) string {
	if f := l.fs.Lookup(name); f != nil && f.Changed {
		return "flag --" + name
	}
	if l.env(EnvName(name)) != "" {
		return EnvName(name)
	}
	if l.fileKeys[name] {
		return "config file " + l.file
	}
	return "default"
}

func (l *loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, &SettingError{Setting: name, Source: l.source(name), Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) required(name string) {
	l.errs = append(l.errs, &SettingError{Setting: name,
		Msg: fmt.Sprintf("required (flag --%s or %s)", name, EnvName(name))})
}

func (l *loader) str(name string) string {
	switch v := l.v.Get(name).(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}

// int parses strictly: viper's GetInt turns "abc" into 0 without a word.
func (l *loader) int(name string) int64 {
	switch v := l.v.Get(name).(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case int32:
		return int64(v)
	default:
		s := l.str(name)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			l.fail(name, "%q is not a whole number", s)
		}
		return n
	}
}

func (l *loader) bool(name string) bool {
	if v, ok := l.v.Get(name).(bool); ok {
		return v
	}
	s := l.str(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		l.fail(name, "%q is not true or false", s)
	}
	return b
}

// list accepts a list (repeated flag, config file) or a string of items
// separated by commas or spaces (environment).
func (l *loader) list(name string) []string {
	var raw []string
	switch v := l.v.Get(name).(type) {
	case nil:
	case []string:
		raw = v
	case []any:
		for _, item := range v {
			raw = append(raw, fmt.Sprint(item))
		}
	case string:
		raw = []string{v}
	default:
		raw = []string{fmt.Sprint(v)}
	}
	var out []string
	for _, item := range raw {
		out = append(out, strings.FieldsFunc(item, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })...)
	}
	return out
}

// duration parses a Go duration ("90s", "15m", "1h30m") and checks it is
// positive, or also 0 when zeroDisables. example is shown in the error.
func (l *loader) duration(name string, example time.Duration, zeroDisables bool) time.Duration {
	if d, ok := l.v.Get(name).(time.Duration); ok && (d > 0 || (d == 0 && zeroDisables)) {
		return d
	}
	raw := l.str(name)
	d, err := time.ParseDuration(raw)
	switch {
	case zeroDisables && (err != nil || d < 0):
		l.fail(name, "must be a duration such as %s, or 0 to disable, got %q", shortDuration(example), raw)
	case !zeroDisables && (err != nil || d <= 0):
		l.fail(name, "must be a positive duration such as %s, got %q", shortDuration(example), raw)
	}
	return d
}

// shortDuration formats d as time.Duration.String does, without the zero
// units it appends: 15m rather than 15m0s, 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var repoNameRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$`)

func (l *loader) validate(a *App, privateKey string, need Need) {
	if u, err := normalizeGitHubURL(a.GitHubURL); err != nil {
		l.fail("github-url", "%v", err)
	} else {
		a.GitHubURL = u
	}

	switch {
	case a.AppID < 0:
		l.fail("app-id", "must be a positive number")
	case a.AppID == 0 && need&NeedGitHub != 0:
		l.required("app-id")
	}

	switch {
	case privateKey != "":
		pemBytes, key, err := loadPrivateKey(privateKey)
		if err != nil {
			l.fail("private-key", "%v", err)
		}
		a.PrivateKey, a.key = pemBytes, key
	case need&NeedGitHub != 0:
		l.required("private-key")
	}

	if a.Concurrency < 1 {
		l.fail("concurrency", "must be at least 1, got %d", a.Concurrency)
	}
	switch a.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		l.fail("log-level", "%q is not one of debug, info, warn, error", a.LogLevel)
	}
	switch a.LogFormat {
	case "text", "json":
	default:
		l.fail("log-format", "%q is not one of text, json", a.LogFormat)
	}
	if a.WebhookSecret == "" && need&NeedWebhook != 0 {
		l.required("webhook-secret")
	}
	if _, port, err := net.SplitHostPort(a.Listen); err != nil || port == "" {
		l.fail("listen", "%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", a.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail("listen", "%q: port must be a number from 0 to 65535", a.Listen)
	}
	if _, err := parseDatabase(a.DatabaseURL, a.SQLitePath); err != nil {
		l.fail("database-url", "%v", err)
	}
	if a.SQLitePath == "" {
		l.fail("sqlite-path", "must not be empty")
	}
	if s, err := ParseSchedule(a.Schedule); err != nil {
		l.fail("schedule", "%v", err)
	} else {
		a.schedule = s
	}
	if a.Workers < 1 {
		l.fail("workers", "must be at least 1, got %d", a.Workers)
	}
	a.ShutdownTimeout = l.duration("shutdown-timeout", DefaultShutdownTimeout, false)
	a.JobTimeout = l.duration("job-timeout", DefaultJobTimeout, false)
	a.RedeliverInterval = l.duration("redeliver-interval", DefaultRedeliverInterval, true)
	if a.Installation < 0 {
		l.fail("installation", "must be a positive installation ID, or 0 for all")
	}
	for _, r := range a.Repos {
		if !repoNameRE.MatchString(r) {
			l.fail("repo", "%q is not owner/name", r)
		}
	}
}

// normalizeGitHubURL checks the REST base URL and makes it end in "/". It
// refuses credentials in the URL, and never repeats them in its error.
func normalizeGitHubURL(raw string) (string, error) {
	if strings.Contains(raw, "@") {
		// Credentials belong to the App's key, never to the URL; and the value
		// is not repeated, since it may hold a password.
		return "", errors.New("must not contain credentials (user@ or user:password@)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a valid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q must not have a query or fragment", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// loadPrivateKey takes the PEM itself or a path to it, and parses it. The
// value is never quoted in errors: it may be the key.
func loadPrivateKey(value string) ([]byte, *rsa.PrivateKey, error) {
	var data []byte
	if strings.Contains(value, "-----BEGIN") {
		// An environment variable or a Kubernetes Secret often carries the PEM
		// on one line with literal \n.
		if !strings.Contains(value, "\n") {
			value = strings.ReplaceAll(value, `\n`, "\n")
		}
		data = []byte(value)
	} else {
		b, err := os.ReadFile(value)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("reading key file: %s: %w", pe.Path, pe.Err)
			}
			return nil, nil, errors.New("reading key file failed")
		}
		data = b
	}
	key, err := ParsePrivateKey(data)
	if err != nil {
		return nil, nil, err
	}
	return data, key, nil
}

// ParsePrivateKey parses a PEM-encoded RSA private key, PKCS#1 ("RSA PRIVATE
// KEY", what GitHub hands out) or PKCS#8 ("PRIVATE KEY"). Its errors never
// contain the key.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	notRSA := errors.New("not a PEM-encoded RSA private key")
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, notRSA
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed PKCS#1 key", notRSA)
		}
		return key, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed PKCS#8 key", notRSA)
		}
		key, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: PKCS#8 key is %T, GitHub Apps use RSA", notRSA, k)
		}
		return key, nil
	default:
		return nil, fmt.Errorf("%w: PEM block is %q", notRSA, block.Type)
	}
}

// RSAKey is the parsed private key (nil when none was set).
func (a *App) RSAKey() *rsa.PrivateKey { return a.key }

// Cron is the parsed sweep schedule; it satisfies river.PeriodicSchedule.
// For an App not built by LoadApp whose Schedule does not parse, it is the
// default schedule.
func (a *App) Cron() *Schedule {
	if a.schedule != nil {
		return a.schedule
	}
	s, err := ParseSchedule(a.Schedule)
	if err != nil {
		s, _ = ParseSchedule(DefaultSchedule)
	}
	return s
}

// Database tells which queue database App uses.
type Database struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// DSN is what the driver opens: a file path for SQLite, the URL for
	// PostgreSQL. It may hold a password: do not log it; log Redacted.
	DSN string
	// Redacted is DSN with any password replaced, for logs.
	Redacted string
}

// Database resolves database-url and sqlite-path.
func (a *App) Database() Database {
	d, err := parseDatabase(a.DatabaseURL, a.SQLitePath)
	if err != nil { // LoadApp validated it; an App built by hand may not be
		return Database{Driver: "sqlite", DSN: a.SQLitePath, Redacted: a.SQLitePath}
	}
	return d
}

func parseDatabase(raw, sqlitePath string) (Database, error) {
	switch {
	case raw == "":
		return Database{Driver: "sqlite", DSN: sqlitePath, Redacted: sqlitePath}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			// url.Parse's error repeats the URL, password included.
			return Database{}, errors.New("not a valid postgres:// URL (percent-encode special characters in the password)")
		}
		return Database{Driver: "postgres", DSN: raw, Redacted: redactURL(u)}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if p == "" {
			return Database{}, errors.New("sqlite:// needs a file path, e.g. sqlite:///var/lib/pss-bot/queue.db")
		}
		return Database{Driver: "sqlite", DSN: p, Redacted: p}, nil
	case strings.Contains(raw, "://"):
		scheme, _, _ := strings.Cut(raw, "://")
		return Database{}, fmt.Errorf("unsupported scheme %q (want postgres://, sqlite:// or a file path)", scheme)
	default:
		return Database{Driver: "sqlite", DSN: raw, Redacted: raw}, nil
	}
}

// redactURL hides the password of a URL, in the user info or in a
// "password" query parameter.
func redactURL(u *url.URL) string {
	c := *u
	if q := c.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		c.RawQuery = q.Encode()
	}
	return c.Redacted()
}

// Redacted returns the settings for display and logging, keyed by setting
// name, with secrets replaced by "[redacted]" (or "" when unset).
func (a *App) Redacted() map[string]any {
	secret := func(set bool) string {
		if set {
			return Redacted
		}
		return ""
	}
	dbURL := ""
	if a.DatabaseURL != "" {
		dbURL = Redacted
		if d, err := parseDatabase(a.DatabaseURL, a.SQLitePath); err == nil {
			dbURL = d.Redacted
		}
	}
	return map[string]any{
		"github-url":         a.GitHubURL,
		"app-id":             a.AppID,
		"private-key":        secret(len(a.PrivateKey) > 0),
		"concurrency":        a.Concurrency,
		"log-level":          a.LogLevel,
		"log-format":         a.LogFormat,
		"dry-run":            a.DryRun,
		"webhook-secret":     secret(a.WebhookSecret != ""),
		"listen":             a.Listen,
		"database-url":       dbURL,
		"sqlite-path":        a.SQLitePath,
		"schedule":           a.Schedule,
		"workers":            a.Workers,
		"shutdown-timeout":   shortDuration(a.ShutdownTimeout),
		"job-timeout":        shortDuration(a.JobTimeout),
		"redeliver-interval": shortDuration(a.RedeliverInterval),
		"installation":       a.Installation,
		"repo":               append([]string(nil), a.Repos...),
	}
}

// String shows the settings with secrets redacted.
func (a App) String() string {
	m := a.Redacted()
	var b strings.Builder
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%v", k, m[k])
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps %#v from printing the raw fields.
func (a App) GoString() string { return "config.App" + a.String() }

// Format makes every verb (%v, %+v, %#v, %s, %d, %x, ...) print the redacted
// form: without it, %d or %x would print the fields, secrets included.
func (a App) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, a.GoString())
		return
	}
	io.WriteString(f, a.String())
}

// LogValue makes slog log the redacted settings.
func (a App) LogValue() slog.Value {
	m := a.Redacted()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, m[k]))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the redacted settings.
func (a App) MarshalJSON() ([]byte, error) { return json.Marshal(a.Redacted()) }

// SlogLevel is LogLevel as a slog.Level (info when unset or unknown).
func (a *App) SlogLevel() slog.Level {
	switch a.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// Logger returns a logger writing to w at LogLevel, as text or JSON lines
// according to LogFormat.
func (a *App) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: a.SlogLevel()}
	if a.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
