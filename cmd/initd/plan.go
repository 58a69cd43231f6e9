package main

import (
	"errors"

	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/procspec"
	"github.com/initd-dev/initd/safefile"
	"github.com/initd-dev/initd/waitfor"
	"github.com/rs/zerolog"
)

// plan is everything the options ask for, checked before anything starts:
// a problem found here is a usage error (exit 2).
type plan struct {
	config   *configPlan
	waits    []waitfor.Target
	waitOpts waitfor.Options
	cronJobs []cron.Job
	overlap  cron.Overlap

	// Several processes and hooks: --service then --service-dir's
	// services, --init-dir's hooks in the order they run, and the
	// --pre-stop and --finish commands. skipped are the entries of the
	// two directories that do not run (see warnSkipped).
	services     []procspec.Service
	initHooks    []string
	preStop      [][]string
	finish       [][]string
	restart      string
	restartLimit int
	skipped      []procspec.Skipped
}

func preparePlan(o *options) (*plan, error) {
	p := &plan{}
	var err error
	if p.config, err = prepareConfig(o); err != nil {
		return nil, err
	}
	if p.waitOpts, err = waitOptions(o); err != nil {
		return nil, err
	}
	if len(o.waits) > 0 {
		if p.waits, err = waitfor.ParseAll(o.waits, p.waitOpts); err != nil {
			return nil, usagef("--wait: %w", err)
		}
	}
	if p.cronJobs, p.overlap, err = cronJobs(o); err != nil {
		return nil, err
	}
	if err = p.processes(o); err != nil {
		return nil, err
	}
	if len(o.command) == 0 && len(p.cronJobs) == 0 && len(p.services) == 0 && o.crontab != "" {
		return nil, usagef("--crontab %s: no job in it and no COMMAND: nothing would run", quote(o.crontab))
	}
	return p, nil
}

// processes reads --service-dir and --init-dir and checks that every
// service has a NAME of its own.
func (p *plan) processes(o *options) error {
	p.services = append(p.services, o.services...)
	p.preStop, p.finish = o.preStop, o.finish
	p.restart, p.restartLimit = o.restart, o.restartLimit
	if o.serviceDir != "" {
		dirServices, skipped, err := procspec.ServiceDir(o.serviceDir)
		if err != nil {
			return usagef("--service-dir %s: %w", quote(o.serviceDir), err)
		}
		p.services = append(p.services, dirServices...)
		p.skipped = append(p.skipped, skipped...)
		if len(dirServices) == 0 && len(o.command) == 0 && len(o.services) == 0 && len(p.cronJobs) == 0 {
			return usagef("--service-dir %s: no DIR/NAME/run is an executable file, and there is no COMMAND: nothing would run", quote(o.serviceDir))
		}
	}
	if err := procspec.CheckUnique(p.services); err != nil {
		return usagef("%w", err)
	}
	if o.initDir != "" {
		hooks, skipped, err := procspec.InitDir(o.initDir)
		if err != nil {
			return usagef("--init-dir %s: %w", quote(o.initDir), err)
		}
		p.initHooks = hooks
		p.skipped = append(p.skipped, skipped...)
	}
	return nil
}

// warnSkipped logs, once at start, each entry of --service-dir and
// --init-dir that does not run, and why.
func (p *plan) warnSkipped(log zerolog.Logger) {
	for _, s := range p.skipped {
		log.Warn().Str("path", s.Path).Str("reason", s.Reason).Msg("skipped: not run")
	}
}

// waitOptions turns the --wait-* options into waitfor.Options.
func waitOptions(o *options) (waitfor.Options, error) {
	wo := waitfor.Options{
		Timeout:    o.waitTimeout,
		Interval:   o.waitInterval,
		Insecure:   o.waitInsecure,
		CACertFile: o.waitCACert,
	}
	var err error
	if wo.Statuses, err = waitfor.ParseStatuses(o.waitStatus); err != nil {
		return wo, usagef("%w", err) // names --wait-status
	}
	for _, h := range o.waitHeaders {
		hdr, err := waitfor.ParseHeader(h)
		if err != nil {
			return wo, usagef("%w", err) // names --wait-header
		}
		wo.Headers = append(wo.Headers, hdr)
	}
	if o.waitCACert != "" {
		if err := waitfor.CheckCACertFile(o.waitCACert); err != nil {
			return wo, usagef("%w", err)
		}
	}
	return wo, nil
}

// maxCrontab is the largest --crontab file read.
const maxCrontab = 1 << 20

// cronJobs parses --cron lines and the --crontab file.
func cronJobs(o *options) ([]cron.Job, cron.Overlap, error) {
	overlap, err := cron.ParseOverlap(o.cronOverlap)
	if err != nil {
		return nil, 0, usagef("--cron-overlap: %w", err)
	}
	var jobs []cron.Job
	for _, line := range o.crons {
		j, err := cron.ParseLine(line)
		if err != nil {
			return nil, 0, usagef("--cron %s: %w", quote(line), err)
		}
		jobs = append(jobs, j)
	}
	if o.crontab != "" {
		f, err := safefile.OpenLimited(o.crontab, maxCrontab)
		if err != nil {
			return nil, 0, usagef("--crontab: %w", err)
		}
		defer f.Close()
		tab, err := cron.ParseCrontab(f, o.crontab)
		if err != nil {
			var te *safefile.TooLargeError
			if errors.As(err, &te) {
				return nil, 0, usagef("--crontab: %w", te)
			}
			return nil, 0, usagef("%w", err) // one "crontab FILE:LINE: ..." line each
		}
		jobs = append(jobs, tab...)
	}
	return cron.Number(jobs), overlap, nil
}
