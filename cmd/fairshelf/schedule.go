package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/jobs"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/rendition"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/webhook"
)

// services are what serve's background jobs work on.
type services struct {
	cfg          config.Config
	store        *store.Store
	objectStore  objectstore.Store
	objects      *object.Service
	checkpointer *checkpoint.Writer
	checkpoints  *checkpoint.Reader
	renditions   *rendition.Service
	log          *slog.Logger
}

// startJobs starts all of serve's background work under ctx: this is the
// one list of what runs, how often, and whether it runs on every instance
// or on one at a time. holder names this instance in job leases. The jobs
// stop when ctx ends; runner.Wait returns once they have (and leased jobs
// have given their leases back).
func startJobs(ctx context.Context, runner *jobs.Runner, holder string, s services) {
	sc := schedule{ctx: ctx, runner: runner, lease: jobs.Lease{Store: s.store, Holder: holder, TTL: jobs.DefaultLeaseTTL}}
	st, lib := s.store, s.objects

	sc.leased("versions.settle", time.Minute, settle(st, s.log))
	sc.every("audit.read_checkpoints", 10*time.Minute, readCheckpoints(s.checkpoints))
	sc.leased("audit.checkpoint", s.cfg.Audit.CheckpointInterval, writeCheckpoint(st, s.checkpointer))
	sc.leased("versions.expiry_reminders", time.Hour, sendExpiryReminders(st))
	if s.cfg.WebhookURL != "" {
		sc.leased("webhooks.deliver", 15*time.Second, deliverWebhooks(webhook.New(st, s.cfg.WebhookURL, s.cfg.WebhookSecret, nil, s.log)))
	}
	sc.every("objects.collect_garbage", time.Hour, collectGarbage(lib))
	sc.every("renditions.collect_garbage", time.Hour, collectPageImages(st, lib))
	if s.renditions != nil {
		// Every instance makes page images; each rendition is claimed by one.
		sc.runner.Start(sc.ctx, jobs.Job{Name: "renditions.make", Interval: 10 * time.Second, Run: s.renditions.Work,
			Wake: s.renditions.Wake()})
	}
	sc.leased("objects.integrity", integrityEvery, checkIntegrity(s.cfg, lib, s.log))
	sc.every("uploads.remove_stale", time.Hour, removeStaleUploads(lib))
	sc.every("sessions.purge", 10*time.Minute, purgeSessions(st))
	if local, ok := s.objectStore.(*objectstore.Local); ok {
		sc.every("objects.remove_temp", time.Hour, removeTempObjects(local))
	}
}

// schedule starts jobs on one runner, each either on every instance or
// under its own lease.
type schedule struct {
	ctx    context.Context
	runner *jobs.Runner
	lease  jobs.Lease
}

// every runs fn every interval on every instance: for work that is safe
// to do on several instances at once (idempotent, or on this instance's
// own files and caches).
func (s schedule) every(name string, interval time.Duration, fn jobs.Func) {
	s.runner.Start(s.ctx, jobs.Job{Name: name, Interval: interval, Run: fn})
}

// leased runs fn every interval on one instance at a time, the one holding
// the job's lease (see jobs.Runner.StartLeased): for work that changes
// shared state. The lease is short, renewed while this instance lives and
// given back when it stops.
func (s schedule) leased(name string, interval time.Duration, fn jobs.Func) {
	s.runner.StartLeased(s.ctx, s.lease, jobs.Job{Name: name, Interval: interval, Run: fn})
}

// settle writes availability dates and expiries that passed (feed,
// notices, webhooks); reads of the feed and of notices settle first.
func settle(st *store.Store, log *slog.Logger) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		n, err := st.Settle(ctx, now)
		if n.Announced > 0 || n.Expired > 0 {
			log.Info("library settled", "available", n.Announced, "expired", n.Expired)
		}
		return err
	}
}

func sendExpiryReminders(st *store.Store) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		return errOnly(st.SendExpiryReminders(ctx, now, domain.DefaultReminderDays))
	}
}

func deliverWebhooks(sender *webhook.Sender) jobs.Func {
	return func(ctx context.Context, now time.Time) error { return errOnly(sender.DeliverDue(ctx, now)) }
}

func collectGarbage(lib *object.Service) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		return errOnly(lib.CollectGarbage(ctx, now, object.GCGrace))
	}
}

// collectPageImages removes page images that no rendition records.
func collectPageImages(st *store.Store, lib *object.Service) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		return errOnly(lib.CollectDerived(ctx, now, object.GCGrace, st.RenditionObjectKnown))
	}
}

func removeStaleUploads(lib *object.Service) jobs.Func {
	return func(_ context.Context, now time.Time) error { return errOnly(lib.RemoveStaleSpools(now, 24*time.Hour)) }
}

func purgeSessions(st *store.Store) jobs.Func {
	return func(ctx context.Context, now time.Time) error { return st.PurgeSessions(ctx, now, 24*time.Hour) }
}

// errOnly drops the count a job's step returns: the step logs what matters.
func errOnly[N any](_ N, err error) error { return err }

// removeTempObjects removes the temp files that uploads interrupted by a
// crash leave behind; a day is far longer than any upload takes.
func removeTempObjects(local *objectstore.Local) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		return local.RemoveTemp(ctx, now.Add(-24*time.Hour))
	}
}
