package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	// The sweep schedule names an IANA time zone, and the bot's image
	// (scratch or distroless) carries no zoneinfo: embed it.
	_ "time/tzdata"
)

// DefaultSchedule is the sweep schedule when none is set: daily at 03:00 UTC.
const DefaultSchedule = "CRON_TZ=UTC 0 3 * * *"

// Schedule is a parsed five-field cron expression (minute hour day-of-month
// month day-of-week) in a time zone. It satisfies river.PeriodicSchedule.
//
// Semantics follow Vixie cron: lists (1,15), ranges (1-5), steps (*/10,
// 8-18/2), month and weekday names (JAN, MON), 7 as Sunday, and when both
// day-of-month and day-of-week are restricted a day matching either runs.
// The descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly are accepted. A "CRON_TZ=Area/City " (or "TZ=") prefix sets the time
// zone; without it the zone is UTC, not the host's, so that replicas agree.
//
// Around daylight-saving changes every wall-clock time that matches runs once:
// a time skipped by a spring-forward runs just after the gap (02:30 becomes
// 03:30), and a time repeated by a fall-back runs at its first occurrence.
type Schedule struct {
	spec   string
	loc    *time.Location
	minute uint64 // bits 0-59
	hour   uint64 // bits 0-23
	dom    uint64 // bits 1-31
	month  uint64 // bits 1-12
	dow    uint64 // bits 0-6, Sunday = 0
	// domStar and dowStar record a field written as "*..." : when either is,
	// a day must match both fields; otherwise either.
	domStar, dowStar bool
}

type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var (
	fieldMinute = cronField{name: "minute", min: 0, max: 59}
	fieldHour   = cronField{name: "hour", min: 0, max: 23}
	fieldDom    = cronField{name: "day of month", min: 1, max: 31}
	fieldMonth  = cronField{name: "month", min: 1, max: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}}
	// Day of week accepts 0-7 (both 0 and 7 are Sunday).
	fieldDow = cronField{name: "day of week", min: 0, max: 7, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}}
)

var cronDescriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// ParseSchedule parses a cron expression with an optional "CRON_TZ=Zone "
// prefix. Errors name the offending field.
func ParseSchedule(spec string) (*Schedule, error) {
	s := &Schedule{spec: spec, loc: time.UTC}
	expr := strings.TrimSpace(spec)
	if expr == "" {
		return nil, fmt.Errorf("empty cron expression")
	}
	if strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=") {
		tz, rest, _ := strings.Cut(expr, " ")
		_, name, _ := strings.Cut(tz, "=")
		if name == "" {
			return nil, fmt.Errorf("%s: missing time zone name", tz)
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", name)
		}
		s.loc = loc
		expr = strings.TrimSpace(rest)
	}
	if strings.HasPrefix(expr, "@") {
		d, ok := cronDescriptors[strings.ToLower(expr)]
		if !ok {
			return nil, fmt.Errorf("unknown descriptor %q (known: @yearly, @monthly, @weekly, @daily, @hourly)", expr)
		}
		expr = d
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, fmt.Errorf("want 5 fields (minute hour day-of-month month day-of-week), got %d in %q", len(fields), expr)
	}
	var err error
	if s.minute, err = parseCronField(fields[0], fieldMinute); err != nil {
		return nil, err
	}
	if s.hour, err = parseCronField(fields[1], fieldHour); err != nil {
		return nil, err
	}
	if s.dom, err = parseCronField(fields[2], fieldDom); err != nil {
		return nil, err
	}
	if s.month, err = parseCronField(fields[3], fieldMonth); err != nil {
		return nil, err
	}
	if s.dow, err = parseCronField(fields[4], fieldDow); err != nil {
		return nil, err
	}
	if s.dow&(1<<7) != 0 { // 7 is Sunday too
		s.dow = s.dow&^(1<<7) | 1
	}
	s.domStar = strings.HasPrefix(fields[2], "*")
	s.dowStar = strings.HasPrefix(fields[4], "*")
	// Reject what can never run, e.g. "0 0 30 2 *", rather than a sweep that
	// silently never happens. 28 years covers every weekday/leap-day cycle.
	probe := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if s.nextWithin(probe, 28*366).IsZero() {
		return nil, fmt.Errorf("%q never runs", expr)
	}
	return s, nil
}

func parseCronField(text string, f cronField) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(text, ",") {
		if part == "" {
			return 0, fmt.Errorf("%s %q: empty list item", f.name, text)
		}
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("%s %q: step %q is not a positive number", f.name, text, stepText)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*":
			if f.max == 7 { // "*" in day of week is 0-6; 7 would repeat Sunday
				hi = 6
			}
		default:
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = cronValue(a, f, text); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = cronValue(b, f, text); err != nil {
					return 0, err
				}
				if hi < lo {
					return 0, fmt.Errorf("%s %q: range %s is backwards", f.name, text, rng)
				}
			} else if hasStep {
				// "5/15" means "5-max/15", as in Vixie cron.
				hi = f.max
			}
		}
		if hasStep && hi > lo && step > hi-lo {
			return 0, fmt.Errorf("%s %q: step %d is larger than the range %d-%d", f.name, text, step, lo, hi)
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func cronValue(text string, f cronField, whole string) (int, error) {
	if n, ok := f.names[strings.ToLower(text)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %q is not a number", f.name, whole, text)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("%s %q: %d is out of range %d-%d", f.name, whole, n, f.min, f.max)
	}
	return n, nil
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.spec }

// Location is the time zone the schedule is evaluated in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first time strictly after t at which the schedule runs,
// in the schedule's time zone. It returns the zero time only for a schedule
// that never runs, which ParseSchedule rejects.
func (s *Schedule) Next(t time.Time) time.Time {
	return s.nextWithin(t, 5*366)
}

// nextWithin looks at most maxDays calendar days ahead.
func (s *Schedule) nextWithin(after time.Time, maxDays int) time.Time {
	local := after.In(s.loc)
	// Walk calendar dates; a wall time is turned into an instant by
	// time.Date, which moves a time inside a spring-forward gap past the gap.
	// Start a day early: such a move can carry yesterday's last run past
	// midnight.
	y, m, d := local.Date()
	day := time.Date(y, m, d-1, 12, 0, 0, 0, time.UTC)
	var best time.Time
	for i := 0; i <= maxDays; i++ {
		if !best.IsZero() && i > 0 && day.After(dateOf(best, s.loc).AddDate(0, 0, 1)) {
			break
		}
		if s.dayMatches(day) {
			if c := s.firstOnDay(day, after); !c.IsZero() && (best.IsZero() || c.Before(best)) {
				best = c
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return best
}

// dateOf is the calendar date (as noon UTC) of t in loc.
func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

func (s *Schedule) dayMatches(day time.Time) bool {
	if s.month&(1<<uint(day.Month())) == 0 {
		return false
	}
	domOK := s.dom&(1<<uint(day.Day())) != 0
	dowOK := s.dow&(1<<uint(day.Weekday())) != 0
	if s.domStar || s.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// firstOnDay returns the earliest run on the calendar date day (noon UTC)
// that is strictly after t, or the zero time.
func (s *Schedule) firstOnDay(day, after time.Time) time.Time {
	y, m, d := day.Date()
	var best time.Time
	for h := 0; h < 24; h++ {
		if s.hour&(1<<uint(h)) == 0 {
			continue
		}
		for mi := 0; mi < 60; mi++ {
			if s.minute&(1<<uint(mi)) == 0 {
				continue
			}
			c := firstOccurrence(time.Date(y, m, d, h, mi, 0, 0, s.loc))
			if !c.After(after) || (!best.IsZero() && !c.Before(best)) {
				continue
			}
			best = c
		}
		// Runs are in wall-clock order except around a zone change, which
		// moves an instant by a few hours at most: stop once well past best.
		if !best.IsZero() && time.Date(y, m, d, h, 0, 0, 0, s.loc).Sub(best) > 4*time.Hour {
			break
		}
	}
	return best
}

// firstOccurrence returns the first instant with c's wall time: after a
// fall-back change of offset a wall time occurs twice, and time.Date may pick
// either; a run belongs to the first, so that it happens once.
func firstOccurrence(c time.Time) time.Time {
	_, offNow := c.Zone()
	_, offBefore := c.Add(-4 * time.Hour).Zone()
	if offBefore <= offNow {
		return c
	}
	earlier := c.Add(-time.Duration(offBefore-offNow) * time.Second)
	if earlier.Format("2006-01-02 15:04") == c.Format("2006-01-02 15:04") {
		return earlier
	}
	return c
}
