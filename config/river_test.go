package config_test

import (
	"github.com/riverqueue/river"

	"github.com/pss-bot/pss-bot/config"
)

// The queue hands the sweep schedule to River as a periodic job schedule.
var _ river.PeriodicSchedule = (*config.Schedule)(nil)
