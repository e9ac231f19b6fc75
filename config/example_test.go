package config_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/pss-bot/pss-bot/config"
)

func ExampleLoadApp() {
	fs := pflag.NewFlagSet("sweep", pflag.ContinueOnError)
	config.RegisterAppFlags(fs, false)
	_ = fs.Parse([]string{"--concurrency", "8"})
	env := map[string]string{"PSS_BOT_GITHUB_URL": "https://ghe.example.com/api/v3"}
	_, err := config.LoadApp(fs, func(k string) string { return env[k] }, config.NeedGitHub)
	fmt.Println(err)
	// Output:
	// app-id: required (flag --app-id or PSS_BOT_APP_ID)
	// private-key: required (flag --private-key or PSS_BOT_PRIVATE_KEY)
}

func ExampleParseRepo() {
	_, err := config.ParseRepo([]byte("level: restricted\nchecks:\n  runAsNonRot: report\n"))
	var re *config.RepoError
	if errors.As(err, &re) {
		fmt.Println(re.Key, re.Line)
	}
	r, _ := config.ParseRepo([]byte("paths:\n  exclude: [charts/]\n"))
	fmt.Println(r.Matches("deploy/web.yaml"), r.Matches("charts/web/values.yaml"))
	// Output:
	// checks.runAsNonRot 3
	// true false
}

func ExampleSchedule_Next() {
	s, _ := config.ParseSchedule("CRON_TZ=Europe/Paris 0 3 * * MON-FRI")
	fmt.Println(s.Next(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))) // a Friday
	// Output:
	// 2026-11-30 03:00:00 +0100 CET
}
