// Package cron is initd's in-process cron: it parses --cron values and
// crontab files and runs their jobs as children started through the one
// reaper, the way supercronic would if it were PID 1.
//
// # Schedules
//
// A job line is an optional CRON_TZ=ZONE or TZ=ZONE word, a schedule and a
// command for /bin/sh -c. The schedule is five fields (minute hour
// day-of-month month day-of-week), six fields with seconds first, or a
// descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, @every DURATION). A line whose first six words are all valid
// fields has a seconds field. Note that supercronic's six-field form is
// different: there the extra field is a year, at the end.
//
// Every field and zone is validated here before robfig/cron/v3 sees the
// spec: robfig v3.0.1 panics on "TZ=" without a space and accepts things
// like "1,,2" or "*-5" silently. robfig is still behind a recover, and its
// Next is too. A schedule that never fires (30 February) is an error.
//
// # Runs
//
// [Run] gives each job a goroutine that sleeps until the next activation.
// Each run is /bin/sh -c COMMAND in its own process group, stdin /dev/null,
// stdout and stderr pipes cut into whole lines marked "[jobN] ". The exit
// comes from the reaper ([Starter]); this package never calls wait4, so
// "no child processes" cannot happen. A job due while its previous run is
// still going is skipped with one warning (or started anyway with
// [OverlapAllow]). A run past [Options.Timeout] gets the stop signal, then
// SIGKILL after [Options.Grace]. When Run's context ends, no new run starts
// and running ones are stopped the same way.
//
// # Time
//
// Activations are computed from the previous activation, not from when the
// run ended, so a schedule does not drift. Around daylight-saving changes
// the next activation is always strictly later than the previous one (no
// flood of runs or log lines); in a repeated hour, fixed-hour schedules run
// once (as in cronie), every-hour schedules twice; a wall time skipped by
// spring-forward is not run that day. When the clock jumps past
// activations they are skipped with a single warning, not caught up.
//
// # What it does not do
//
// No @reboot, no MAILTO, no "%" as stdin, no year field, no catch-up of missed runs, no persistence across restarts, no
// distributed locking: when one container is not enough, move to
// Kubernetes CronJobs. It does not kill processes a finished run left
// behind; initd's teardown does that when it exits.
package cron
