package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// The reference model: plain maps and slices that say what each operation
// should do, independently of how the server does it.

// modelOp is one generated step. It names model entities by index, so that
// a shrunk replay whose earlier steps were dropped still makes sense (a step
// whose asset or version does not exist is skipped).
type modelOp struct {
	Kind    string
	Actor   string
	Asset   int
	Version int
	Arg     int
	Arg2    int
	Inst    int
}

func (o modelOp) String() string {
	return fmt.Sprintf(
		"{Kind: %q, Actor: %q, Asset: %d, Version: %d, Arg: %d, Arg2: %d, Inst: %d}",
		o.Kind,
		o.Actor,
		o.Asset,
		o.Version,
		o.Arg,
		o.Arg2,
		o.Inst,
	)
}

// Actors of a sequence: two marketers, one reviewer per function, one who
// reviews both medical and legal (to be refused the second), three reps
// (obs downloads every visible piece after every step), and the other
// brand's marketer and rep.
var (
	modelMarketers = []string{"m1", "m2"}
	modelReviewers = []string{"med", "leg", "reg", "dual"}
	modelReps      = []string{"r1", "r2", "obs"}
	modelRoles     = map[string][]string{
		"m1": {"marketer"}, "m2": {"marketer"}, "med": {"medical_reviewer"}, "leg": {"legal_reviewer"},
		"reg": {"regulatory_reviewer"}, "dual": {"medical_reviewer", "legal_reviewer"}, "r1": {"rep"}, "r2": {"rep"}, "obs": {"rep"},
	}
	modelFunctions = map[string][]string{"med": {"medical"}, "leg": {"legal"}, "reg": {"regulatory"}, "dual": {"medical", "legal"}}
)

// The label of every sequence's brand, and the model's rule for the
// checker: a piece passes iff it carries every ISI statement and no
// off-label term (checked against the real report after every submission).
var (
	modelISI      = []string{"Serious bleeding can occur.", "Dizziness may occur when standing up."}
	modelOffLabel = "pediatric patients"
)

type mAsset struct {
	id        string
	job       string
	owner     string
	versions  []*mVersion
	published *mVersion // published_version_id
	hooks     []string  // expected webhook event types, in order
}

type mVersion struct {
	id       string
	asset    *mAsset
	number   int
	content  []byte
	word     string
	doc      mDoc
	passes   bool // against the label of its newest report
	state    domain.State
	uploader string

	hasReport bool
	errors    []string        // error finding IDs of the current report
	waived    map[string]bool // of errors
	round     *mRound         // the open review round

	signoffs   map[string]map[string]bool // user -> functions (waivers count as regulatory)
	submitters map[string]bool

	approvedAt, publishedAt, availableFrom, expiresAt, retiredAt time.Time
	downloadedBy                                                 map[string]bool
	// announced: the library announced it (feed "added", webhook
	// version.available): at publication when available at once, else
	// when its availability date passed and the library settled.
	announced bool
}

type mRound struct {
	recert bool
	tasks  map[string]string // function -> open, approved, ...
}

func (v *mVersion) blocking() bool {
	if !v.hasReport {
		return true
	}
	for _, e := range v.errors {
		if !v.waived[e] {
			return true
		}
	}
	return false
}

// effectivelyExpired: published, and its expiry passed, swept or not.
func (v *mVersion) effectivelyExpired(now time.Time) bool {
	return v.state == domain.StatePublished && !now.Before(v.expiresAt)
}

// wasVisible says whether v was in the field at some moment up to now.
func (v *mVersion) wasVisible(now time.Time) bool {
	if v.publishedAt.IsZero() || now.Before(v.availableFrom) {
		return false
	}
	end := v.expiresAt
	if !v.retiredAt.IsZero() && v.retiredAt.Before(end) {
		end = v.retiredAt
	}
	return !v.availableFrom.After(end)
}

func (v *mVersion) visible(now time.Time) bool {
	return v.state == domain.StatePublished && v.asset.published == v && !now.Before(v.availableFrom) && now.Before(v.expiresAt)
}

// modelSeq is one sequence: its brand, users, model and the generator.
type modelSeq struct {
	w      *modelWorld
	t      *testing.T
	rng    *rand.Rand
	n      int
	brand  string
	tok    map[string]string
	email  map[string]string
	uid    map[string]string
	assets []*mAsset
	jobs   int

	notices  map[string]map[string]string // rep -> version -> reason
	noticeID map[string][]string          // rep -> notice IDs as last listed
	acked    map[string]bool

	feedCursor string
	feedSeen   map[string]feedItem
	hooksDown  bool
	downCalls  int

	label mLabel // the brand's label in force

	auditSeq int64
	expAudit []string
	// checking is set while the invariants are read: their refused
	// downloads are not generated steps and skip the I5 snapshot.
	checking bool
	// changed says whether the step did anything beyond a refusal or a
	// read that changes nothing: only then are all invariants read again.
	changed bool
	steps   int
	// checkWrote says the checks downloaded something (audited).
	checkWrote bool
	retired    bool              // a version left the field since notices were read
	seen       map[string]bool   // visible versions downloaded and searched
	goneKey    map[string]string // the answer expected when a piece was last fetched while not visible
}

func (w *modelWorld) newSeq(t *testing.T, seed uint64) (*modelSeq, error) {
	w.nseq++
	n := w.nseq
	s := &modelSeq{
		w:        w,
		t:        t,
		rng:      rand.New(rand.NewPCG(seed, 0x5eed)),
		n:        n,
		tok:      map[string]string{},
		seen:     map[string]bool{},
		goneKey:  map[string]string{},
		email:    map[string]string{},
		uid:      map[string]string{},
		notices:  map[string]map[string]string{},
		noticeID: map[string][]string{},
		acked:    map[string]bool{},
		feedSeen: map[string]feedItem{},
	}
	s.brand = fmt.Sprintf("MB%s%d", strings.ToUpper(letters(n)), len(w.instances))
	s.label = newLabel()
	ts := w.instances[0]
	ctx := context.Background()
	b := domain.NewBrand{Code: s.brand, Name: s.brand + " brand", Label: domain.Label{
		ProprietaryName: "ZELTRA", EstablishedName: "zeltaparin", Indication: "Treatment of adults with condition X.",
		ISIStatements: modelISI, PIReference: "Please see full Prescribing Information.", OffLabelTerms: []string{modelOffLabel},
	}}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if _, err := ts.store.CreateBrand(ctx, domain.Actor{Name: "test"}, b); err != nil {
		return nil, err
	}
	for actor, roles := range modelRoles {
		var ras []string
		for _, r := range roles {
			ras = append(ras, r+":"+s.brand)
		}
		email := fmt.Sprintf("%s-%s@model.test", actor, strings.ToLower(s.brand))
		u := ts.addUser(t, email, ras...)
		s.uid[actor] = u.ID
		s.email[actor] = email
		if _, ok := s.notices[actor]; !ok && slices.Contains(modelReps, actor) {
			s.notices[actor] = map[string]string{}
		}
	}
	s.email["xm"], s.email["xr"] = "other-marketer@model.test", "other-rep@model.test"
	s.login()
	w.rcv.setFail(false)
	seq, err := w.headSeq()
	s.auditSeq = seq
	return s, err
}

// login signs every actor in, each on a random instance: a token issued by
// one instance works on the others.
func (s *modelSeq) login() {
	for actor := range s.email {
		s.signIn(actor)
	}
}

func (s *modelSeq) signIn(actor string) {
	s.tok[actor] = s.w.instances[s.rng.IntN(len(s.w.instances))].login(s.t, s.email[actor])
}

// letters spells n in lower-case letters: the checker reads digits in a
// piece as numbers to match against the claims library.
func letters(n int) string {
	var b []byte
	for {
		b = append(b, byte('a'+n%26))
		n /= 26
		if n == 0 {
			break
		}
	}
	slices.Reverse(b)
	return string(b)
}

// mLabel is the model's view of the brand's label profile.
type mLabel struct {
	version    int
	isi        []string
	offLabel   []string
	boxed      bool
	indication string
	// previous holds every ISI statement of an earlier label version: a
	// piece that carries one the current label dropped is outdated.
	previous map[string]bool
}

func newLabel() mLabel {
	return mLabel{
		version:    1,
		isi:        slices.Clone(modelISI),
		offLabel:   []string{modelOffLabel},
		indication: "Treatment of adults with condition X.",
		previous:   map[string]bool{},
	}
}

// modelISIPool are statements a label change may add.
var modelISIPool = []string{
	"Headache has been reported.",
	"Nausea may occur.",
	"Serious bleeding can occur.",
	"Dizziness may occur when standing up.",
}

// mDoc is what a generated piece carries.
type mDoc struct {
	isi      []string
	offLabel string // "" or the off-label use it names
	boxed    bool   // a boxed-warning heading
	// indication is the label's indication the piece states as its
	// benefit: the checker asks for the ISI statements and the boxed
	// warning only where it recognises a benefit claim of the label in
	// force.
	indication string
}

// document is a piece whose fair balance the model controls, written
// against the label in force: bit 0 drops the label's first ISI statement,
// bit 1 its second, bit 2 names an off-label use, bit 3 adds a boxed
// warning heading.
func document(word string, variant int, l mLabel) ([]byte, mDoc) {
	var d mDoc
	var b strings.Builder
	d.indication = l.indication
	fmt.Fprintf(&b, "ZELTRA (zeltaparin) is indicated for the %s\n", strings.ToLower(l.indication[:1])+l.indication[1:])
	fmt.Fprintf(&b, "Catalogue keyword %s.\n", word)
	if variant&4 != 0 {
		d.offLabel = modelOffLabel
		if len(l.offLabel) > 0 {
			d.offLabel = l.offLabel[0]
		}
		fmt.Fprintf(&b, "Also used in %s.\n", d.offLabel)
	}
	b.WriteString("Important Safety Information\n")
	if variant&8 != 0 {
		d.boxed = true
		b.WriteString("WARNING: RISK OF SERIOUS BLEEDING\n")
	}
	for i, st := range l.isi {
		if i >= 2 || variant&(1<<i) == 0 {
			b.WriteString(st + "\n")
			d.isi = append(d.isi, st)
		}
	}
	b.WriteString("Please see full Prescribing Information.\n")
	return []byte(b.String()), d
}

// passes is the model's rule for the checker: a piece passes iff it
// names no off-label use the label lists, carries no ISI statement that
// only an earlier label had, and, when it states the label's indication
// (a benefit claim), carries every ISI statement of the label and a
// boxed-warning heading when the label has a boxed warning.
// TestLifecycleModelCheckerRule holds it against the checker.
func (d mDoc) passes(l mLabel) bool {
	// The checker finds the benefit claim wherever the label's indication
	// appears: "condition X" is also stated by a piece for "condition X or Y".
	benefit := strings.Contains(strings.TrimSuffix(d.indication, "."), strings.TrimSuffix(l.indication, "."))
	for _, st := range l.isi {
		if !benefit {
			break
		}
		if !slices.Contains(d.isi, st) {
			return false
		}
	}
	for _, st := range d.isi {
		if !slices.Contains(l.isi, st) && l.previous[st] {
			return false
		}
	}
	if d.offLabel != "" && slices.Contains(l.offLabel, d.offLabel) {
		return false
	}
	return !l.boxed || d.boxed || !benefit
}

// generateAndRun generates and runs one sequence from seed.
func (w *modelWorld) generateAndRun(t *testing.T, seed uint64) ([]modelOp, error) {
	s, err := w.newSeq(t, seed)
	if err != nil {
		return nil, err
	}
	var ops []modelOp
	for range modelSteps {
		op := s.generate()
		ops = append(ops, op)
		if err := s.step(op); err != nil {
			return ops, fmt.Errorf("step %d %s: %w", len(ops)-1, op, err)
		}
	}
	return ops, s.finish()
}

// replay runs a fixed list of steps on a fresh brand.
func (w *modelWorld) replay(t *testing.T, ops []modelOp) error {
	s, err := w.newSeq(t, 1)
	if err != nil {
		return err
	}
	for i, op := range ops {
		if err := s.step(op); err != nil {
			return fmt.Errorf("step %d %s: %w", i, op, err)
		}
	}
	return s.finish()
}

// finish drains the webhooks with the receiver up and checks I3 once more,
// then reads every invariant for every rep.
func (s *modelSeq) finish() error {
	s.expAudit = nil
	if err := s.exec(modelOp{Kind: "hook_up"}); err != nil {
		return err
	}
	return s.checkAll(modelOp{}, true)
}

func (s *modelSeq) pick(list []string) string { return list[s.rng.IntN(len(list))] }

// generate chooses the next step: one in eight is wild (random target,
// often refused), the rest are steps the model expects to make progress,
// chosen among those that have a target.
func (s *modelSeq) generate() modelOp {
	r := s.rng
	if len(s.assets) == 0 || r.IntN(8) == 0 {
		return s.generateWild()
	}
	now := s.w.clock.Now()
	op := modelOp{Inst: r.IntN(len(s.w.instances)), Asset: -1, Version: -1}
	type choice struct {
		weight int
		make   func()
	}
	var choices []choice
	add := func(w int, f func()) { choices = append(choices, choice{w, f}) }
	each := s.versionsWhere
	set := func(kind, actor string, p [2]int) {
		op.Kind, op.Actor, op.Asset, op.Version = kind, actor, p[0], p[1]
	}
	pickOf := func(c [][2]int) [2]int { return c[r.IntN(len(c))] }
	if len(s.assets) < 4 {
		add(2, func() { op.Kind, op.Actor = "create_asset", s.pick(modelMarketers) })
	}
	// A new version mostly where the latest one is finished with.
	var idle []int
	for ai, a := range s.assets {
		if len(a.versions) == 0 ||
			!slices.Contains(
				[]domain.State{domain.StateDraft, domain.StateInReview, domain.StateApproved},
				a.versions[len(a.versions)-1].state,
			) {
			idle = append(idle, ai)
		}
	}
	upload := func(assets []int) func() {
		return func() {
			op.Kind, op.Actor, op.Asset = "upload", s.pick(modelMarketers), assets[r.IntN(len(assets))]
			if r.IntN(10) < 3 {
				op.Arg = 1 + r.IntN(15)
			}
			if s.label.boxed && r.IntN(4) != 0 {
				op.Arg |= 8
			}
		}
	}
	if len(idle) > 0 {
		add(5, upload(idle))
	}
	all := make([]int, len(s.assets))
	for i := range all {
		all[i] = i
	}
	add(1, upload(all))
	if c := each(func(v *mVersion) bool { return v.state == domain.StateDraft }); len(c) > 0 {
		add(4, func() { set("submit", s.pick(modelMarketers), pickOf(c)) })
	}
	if c := each(func(v *mVersion) bool { return v.round != nil }); len(c) > 0 {
		add(16, func() {
			p := pickOf(c)
			v := s.assets[p[0]].versions[p[1]]
			var open []string
			for _, f := range domain.ReviewFunctions {
				if v.round.tasks[f] == "open" {
					open = append(open, f)
				}
			}
			f := open[r.IntN(len(open))]
			var who []string
			for _, rv := range modelReviewers {
				if slices.Contains(modelFunctions[rv], f) && s.maySign(v, rv, f) {
					who = append(who, rv)
				}
			}
			actor := s.pick(modelReviewers)
			if len(who) > 0 {
				actor = s.pick(who)
			}
			set("decide", actor, p)
			op.Arg = slices.Index(domain.ReviewFunctions, f)
			if v.blocking() && len(v.errors) > 0 && r.IntN(5) != 0 {
				op.Kind, op.Actor, op.Arg = "waive", "reg", s.unwaived(v) // approval would be refused
				return
			}
			switch n := r.IntN(100); {
			case n < 90:
				op.Arg2 = 0
			case n < 95:
				op.Arg2 = 8
			case n < 98:
				op.Arg2 = 9
			default:
				op.Arg2 = 10
			}
		})
	}
	if c := each(func(v *mVersion) bool { return v.hasReport && v.blocking() && v.round != nil }); len(c) > 0 {
		add(5, func() { set("waive", "reg", pickOf(c)); op.Arg = s.unwaived(s.assets[op.Asset].versions[op.Version]) })
	}
	if c := each(func(v *mVersion) bool {
		return (v.state == domain.StateApproved ||
			(v.state == domain.StatePublished && v.approvedAt.After(v.publishedAt)))
	}); len(c) > 0 {
		add(8, func() {
			set("publish", s.pick(modelMarketers), pickOf(c))
			op.Arg = []int{10, 30, 30, 90, 200, 300}[r.IntN(6)]
			if r.IntN(8) == 0 {
				op.Arg = []int{-1, 380}[r.IntN(2)]
			}
			if r.IntN(4) == 0 {
				op.Arg2 = []int{1, 5, 20}[r.IntN(3)]
			}
		})
	}
	if c := each(func(v *mVersion) bool {
		return (v.state == domain.StatePublished || v.state == domain.StateApproved)
	}); len(c) > 0 {
		add(2, func() { set("withdraw", s.pick([]string{"m1", "m2", "reg"}), pickOf(c)) })
		add(2, func() { set("recertify", s.pick(modelMarketers), pickOf(c)) })
	}
	var visible []int
	for ai, a := range s.assets {
		if a.published != nil && a.published.visible(now) {
			visible = append(visible, ai)
		}
	}
	if len(visible) > 0 {
		add(4, func() {
			op.Kind, op.Actor, op.Asset = "download", s.pick([]string{"r1", "r2"}), visible[r.IntN(len(visible))]
		})
	}
	for _, rep := range modelReps {
		if len(s.noticeID[rep]) > 0 {
			add(1, func() { op.Kind, op.Actor, op.Arg = "ack", rep, r.IntN(4) })
		}
	}
	add(2, func() { op.Kind, op.Actor, op.Arg, op.Arg2 = "label", "reg", r.IntN(5), r.IntN(len(modelISIPool)) })
	add(1, func() { op.Kind, op.Actor = "claim", s.pick([]string{"med", "reg"}) })
	add(3, func() { op = s.generateWild(); op.Kind = "jump"; op = s.jumpOp(op) })
	add(2, func() { op.Kind = "sweep" })
	if r.IntN(2) == 0 {
		add(1, func() { op.Kind = "hook_down" })
		add(1, func() { op.Kind = "hook_up" })
	}
	add(1, func() { op.Kind = "deliver" })
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			c.make()
			break
		}
		n -= c.weight
	}
	return op
}

// versionsWhere returns the (asset, version) index pairs of the model's
// versions that satisfy ok.
func (s *modelSeq) versionsWhere(ok func(v *mVersion) bool) [][2]int {
	var out [][2]int
	for ai, a := range s.assets {
		for vi, v := range a.versions {
			if ok(v) {
				out = append(out, [2]int{ai, vi})
			}
		}
	}
	return out
}

// generateWild chooses a step of a random kind with a random target and,
// now and then, an actor who may not do it: mostly refusals.
func (s *modelSeq) generateWild() modelOp {
	r := s.rng
	op := modelOp{Inst: r.IntN(len(s.w.instances)), Asset: -1, Version: -1}
	candidates := s.versionsWhere
	target := func(ok func(v *mVersion) bool) {
		c := candidates(ok)
		if len(c) == 0 || r.IntN(10) == 0 {
			c = candidates(func(*mVersion) bool { return true })
		}
		if len(c) > 0 {
			p := c[r.IntN(len(c))]
			op.Asset, op.Version = p[0], p[1]
		}
	}
	illegal := r.IntN(3) == 0
	kinds := []string{"create_asset", "upload", "upload", "submit", "submit", "decide", "decide", "decide", "decide", "decide", "waive",
		"publish", "publish", "publish", "withdraw", "recertify", "download", "download", "ack", "jump", "jump", "sweep",
		"hook_down", "hook_up", "deliver"}
	if len(s.assets) == 0 {
		kinds = []string{"create_asset"}
	}
	op.Kind = kinds[r.IntN(len(kinds))]
	switch op.Kind {
	case "create_asset":
		op.Actor = s.pick(modelMarketers)
		if illegal {
			op.Actor = s.pick([]string{"r1", "med", "reg"})
		}
		if len(s.assets) >= 4 && !illegal {
			op.Kind = "upload"
			return s.generateWild()
		}
	case "upload":
		op.Actor = s.pick(modelMarketers)
		if illegal {
			op.Actor = s.pick([]string{"r1", "med", "xm"})
		}
		op.Asset = r.IntN(max(len(s.assets), 1))
		if r.IntN(10) < 7 {
			op.Arg = 0
		} else {
			op.Arg = 1 + r.IntN(15)
		}
	case "submit":
		op.Actor = s.pick(modelMarketers)
		if illegal {
			op.Actor = s.pick([]string{"med", "r1", "xm"})
		}
		target(func(v *mVersion) bool { return v.state == domain.StateDraft })
	case "decide":
		target(func(v *mVersion) bool { return v.round != nil })
		op.Actor = s.pick(modelReviewers)
		if illegal {
			op.Actor = s.pick([]string{"m1", "r1", "xm"})
		}
		// Arg: function index; Arg2: decision (0-7 approve, 8 request changes, 9 reject, 10 wrong password).
		op.Arg = r.IntN(3)
		if fs, ok := modelFunctions[op.Actor]; ok && r.IntN(8) != 0 {
			op.Arg = slices.Index(domain.ReviewFunctions, fs[r.IntN(len(fs))])
		}
		op.Arg2 = r.IntN(11)
		if r.IntN(3) != 0 {
			op.Arg2 = r.IntN(8)
		}
	case "waive":
		target(func(v *mVersion) bool { return v.hasReport && v.blocking() })
		op.Actor = "reg"
		if illegal {
			op.Actor = s.pick([]string{"med", "m1"})
		}
		op.Arg = r.IntN(3)
	case "publish":
		target(func(v *mVersion) bool {
			return v.state == domain.StateApproved || (v.state == domain.StatePublished && v.approvedAt.After(v.publishedAt))
		})
		op.Actor = s.pick(modelMarketers)
		if illegal {
			op.Actor = s.pick([]string{"reg", "r1", "xm"})
		}
		op.Arg = []int{-1, 3, 10, 30, 90, 200, 380}[r.IntN(7)] // expiry, days from now
		if r.IntN(10) < 3 {
			op.Arg2 = []int{1, 5, 20}[r.IntN(3)] // embargo, days
		}
	case "withdraw":
		target(func(v *mVersion) bool { return v.state == domain.StatePublished || v.state == domain.StateApproved })
		op.Actor = s.pick([]string{"m1", "m2", "reg"})
		if illegal {
			op.Actor = s.pick([]string{"med", "r1", "xm"})
		}
		if r.IntN(15) == 0 {
			op.Arg = 1 // reason too short
		}
	case "recertify":
		target(func(v *mVersion) bool {
			return (v.state == domain.StatePublished || v.state == domain.StateApproved) && v.round == nil
		})
		op.Actor = s.pick(modelMarketers)
		if illegal {
			op.Actor = s.pick([]string{"reg", "r1"})
		}
	case "download":
		op.Actor = s.pick([]string{"r1", "r2"})
		if illegal {
			op.Actor = "xr"
		}
		op.Asset = r.IntN(len(s.assets))
	case "ack":
		op.Actor = s.pick(modelReps)
		op.Arg = r.IntN(4)
		if illegal {
			op.Arg2 = 1 // someone else's notice
		}
	case "jump":
		op = s.jumpOp(op)
	case "hook_down", "hook_up", "deliver", "sweep":
	}
	return op
}

// unwaived is the index of an unwaived error finding of v (0 if none).
func (s *modelSeq) unwaived(v *mVersion) int {
	var idx []int
	for i, e := range v.errors {
		if !v.waived[e] {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return 0
	}
	return idx[s.rng.IntN(len(idx))]
}

// jumpOp sets how far a clock jump goes, in hours: often just before, at or
// just after an expiry or availability date of a published version.
func (s *modelSeq) jumpOp(op modelOp) modelOp {
	r := s.rng
	now := s.w.clock.Now()
	op.Kind = "jump"
	op.Arg = []int{2, 24, 6 * 24, 29 * 24, 95 * 24, 200 * 24}[r.IntN(6)]
	var marks []time.Time
	for _, a := range s.assets {
		for _, v := range a.versions {
			if v.state == domain.StatePublished {
				marks = append(marks, v.expiresAt, v.availableFrom)
			}
		}
	}
	if len(marks) > 0 && r.IntN(3) != 0 {
		m := marks[r.IntN(len(marks))]
		if d := m.Sub(now); d > 0 {
			op.Arg = max(int(d/time.Hour)+r.IntN(3)-1, 1)
		}
	}
	return op
}

// step runs one operation, checks its outcome against the model, applies it
// to the model and checks the invariants.
func (s *modelSeq) step(op modelOp) error {
	if op.Inst >= len(s.w.instances) {
		op.Inst = 0
	}
	s.expAudit = nil
	s.changed = false
	if err := s.exec(op); err != nil {
		return err
	}
	return s.checkAll(op, false)
}

func (s *modelSeq) ts(op modelOp) *testServer { return s.w.instances[op.Inst] }

func (s *modelSeq) version(op modelOp) *mVersion {
	if op.Asset < 0 || op.Asset >= len(s.assets) || op.Version < 0 || op.Version >= len(s.assets[op.Asset].versions) {
		return nil
	}
	return s.assets[op.Asset].versions[op.Version]
}

func (s *modelSeq) asset(op modelOp) *mAsset {
	if op.Asset < 0 || op.Asset >= len(s.assets) {
		return nil
	}
	return s.assets[op.Asset]
}

// request is one API call the model expects to succeed (ok) or be refused.
// A refused call must answer 4xx and leave the database unchanged (I5).
func (s *modelSeq) request(op modelOp, ok bool, send func() *httptest.ResponseRecorder) (*httptest.ResponseRecorder, error) {
	var before map[string]int64
	snapshot := !ok && !s.checking
	if snapshot {
		var err error
		if before, err = s.w.rowCounts(); err != nil {
			return nil, err
		}
	}
	rec := send()
	if !s.checking {
		s.w.outcome(op.Kind, ok)
	}
	if ok && (rec.Code < 200 || rec.Code > 299) {
		return rec, fmt.Errorf("model expects success, got %d %s", rec.Code, rec.Body)
	}
	if !ok && (rec.Code < 400 || rec.Code > 499) {
		return rec, fmt.Errorf("model expects a refusal (4xx), got %d %s", rec.Code, rec.Body)
	}
	if snapshot {
		after, err := s.w.rowCounts()
		if err != nil {
			return rec, err
		}
		// modelUncountedTables says what is left out, and why.
		for tb, n := range after {
			if before[tb] != n {
				return rec, fmt.Errorf("I5: refused request (%d) changed %s: %d -> %d", rec.Code, tb, before[tb], n)
			}
		}
	}
	return rec, nil
}

func (s *modelSeq) api(op modelOp, method, path, actor string, body any) *httptest.ResponseRecorder {
	return s.ts(op).api(s.t, method, path, s.tok[actor], body)
}

func hasRole(actor, role string) bool { return slices.Contains(modelRoles[actor], role) }

// exec runs op against the server and the model.
func (s *modelSeq) exec(op modelOp) error {
	now := s.w.clock.Now()
	switch op.Kind {
	case "create_asset":
		ok := hasRole(op.Actor, "marketer")
		s.jobs++
		job := fmt.Sprintf("%s-%d", s.brand, s.jobs)
		rec, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/assets", op.Actor, map[string]any{
				"job_code": job, "title": "Piece " + job, "brand": s.brand, "audience": "hcp", "channel": "detail_aid"})
		})
		if err != nil || !ok {
			return err
		}
		var a domain.Asset
		if err := jsonDecode(rec.Body, &a); err != nil {
			return err
		}
		s.assets = append(s.assets, &mAsset{id: a.ID, job: job, owner: op.Actor})
		s.expAudit = append(s.expAudit, "asset.create")
	case "upload":
		a := s.asset(op)
		if a == nil {
			return nil
		}
		ok := hasRole(op.Actor, "marketer")
		word := fmt.Sprintf("kw%sq%s", letters(s.n), letters(len(a.versions)+100*op.Asset))
		content, doc := document(word, op.Arg, s.label)
		passes := doc.passes(s.label)
		rec, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return (&contentFixture{testServer: s.ts(op)}).upload(s.t, s.tok[op.Actor], a.id, "piece.txt", content)
		})
		if err != nil || !ok {
			return err
		}
		var v domain.Version
		if err := jsonDecode(rec.Body, &v); err != nil {
			return err
		}
		if v.Number != len(a.versions)+1 || v.State != domain.StateDraft {
			return fmt.Errorf("upload: version %+v", v)
		}
		a.versions = append(
			a.versions,
			&mVersion{id: v.ID, asset: a, number: v.Number, content: content, word: word, doc: doc, passes: passes,
				state: domain.StateDraft, uploader: op.Actor, waived: map[string]bool{}, signoffs: map[string]map[string]bool{},
				submitters: map[string]bool{}, downloadedBy: map[string]bool{}},
		)
		s.expAudit = append(s.expAudit, "version.upload")
	case "submit", "recertify":
		v := s.version(op)
		if v == nil {
			return nil
		}
		ok := hasRole(op.Actor, "marketer")
		if op.Kind == "submit" {
			ok = ok && v.state == domain.StateDraft
		} else {
			ok = ok && (v.state == domain.StateApproved || v.state == domain.StatePublished) && v.round == nil && !v.effectivelyExpired(now)
		}
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/versions/"+v.id+"/"+op.Kind, op.Actor, nil)
		})
		if err != nil || !ok {
			return err
		}
		if op.Kind == "submit" {
			v.state = domain.StateInReview
			s.expAudit = append(s.expAudit, "version.submit")
		} else {
			s.expAudit = append(s.expAudit, "version.recertify")
		}
		v.passes = v.doc.passes(s.label)
		v.submitters[op.Actor] = true
		v.round = &mRound{
			recert: op.Kind == "recertify",
			tasks:  map[string]string{"medical": "open", "legal": "open", "regulatory": "open"},
		}
		return s.readReport(op, v)
	case "decide":
		v := s.version(op)
		if v == nil {
			return nil
		}
		function := domain.ReviewFunctions[op.Arg%3]
		decision := domain.DecisionApprove
		switch op.Arg2 {
		case 8:
			decision = domain.DecisionRequestChanges
		case 9:
			decision = domain.DecisionReject
		}
		password := testPassword
		if op.Arg2 == 10 {
			password = "not-the-password"
		}
		ok := slices.Contains(modelFunctions[op.Actor], function) && password == testPassword && s.maySign(v, op.Actor, function) &&
			v.round != nil && v.round.tasks[function] == "open"
		if ok && v.round.recert {
			ok = (v.state == domain.StateApproved || v.state == domain.StatePublished) && !v.effectivelyExpired(now)
		} else if ok {
			ok = v.state == domain.StateInReview
		}
		if ok && decision == domain.DecisionApprove {
			ok = !v.blocking()
		}
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/versions/"+v.id+"/reviews", op.Actor, map[string]any{
				"function": function, "decision": decision, "comment": "Reviewed by the model.", "password": password,
				"meaning": domain.DefaultMeaning(function, decision)})
		})
		if err != nil || !ok {
			return err
		}
		s.expAudit = append(s.expAudit, "review.decide")
		s.signed(v, op.Actor, function)
		status := map[string]string{domain.DecisionApprove: "approved", domain.DecisionRequestChanges: "changes_requested",
			domain.DecisionReject: "rejected"}[decision]
		v.round.tasks[function] = status
		allApproved := true
		for _, st := range v.round.tasks {
			allApproved = allApproved && st == "approved"
		}
		switch {
		case v.round.recert && decision != domain.DecisionApprove:
			v.round = nil
		case v.round.recert:
			if allApproved {
				v.approvedAt, v.round = now, nil
			}
		case decision != domain.DecisionApprove:
			v.state, v.round = domain.State(status), nil
		case allApproved:
			v.state, v.approvedAt, v.round = domain.StateApproved, now, nil
		}
	case "waive":
		v := s.version(op)
		if v == nil {
			return nil
		}
		fid := "no-such-finding"
		if len(v.errors) > 0 {
			fid = v.errors[op.Arg%len(v.errors)]
		}
		ok := hasRole(op.Actor, "regulatory_reviewer") && s.maySign(v, op.Actor, "regulatory") && v.hasReport &&
			slices.Contains(v.errors, fid) &&
			!v.waived[fid]
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/versions/"+v.id+"/compliance/findings/"+fid+"/waive", op.Actor, map[string]any{
				"justification": "Accepted by Regulatory for this model piece.", "password": testPassword,
				"meaning": "Waived by Regulatory"})
		})
		if err != nil || !ok {
			return err
		}
		v.waived[fid] = true
		s.signed(v, op.Actor, "regulatory")
		s.expAudit = append(s.expAudit, "compliance.waive")
	case "publish":
		v := s.version(op)
		if v == nil {
			return nil
		}
		exp := now.Add(time.Duration(op.Arg) * 24 * time.Hour)
		from := now
		body := map[string]any{"expires_at": exp}
		if op.Arg2 > 0 {
			from = now.Add(time.Duration(op.Arg2) * 24 * time.Hour)
			body["available_from"] = from
		}
		recertified := v.state == domain.StatePublished && !v.approvedAt.IsZero() && !v.publishedAt.IsZero() &&
			v.approvedAt.After(v.publishedAt) &&
			!v.effectivelyExpired(now)
		ok := hasRole(op.Actor, "marketer") && exp.After(now) && exp.After(from) &&
			(v.approvedAt.IsZero() || !exp.After(v.approvedAt.AddDate(0, 12, 0))) && !v.blocking() &&
			(v.state == domain.StateApproved || recertified)
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/versions/"+v.id+"/publish", op.Actor, body)
		})
		if err != nil || !ok {
			return err
		}
		a := v.asset
		a.hooks = append(a.hooks, "version.published")
		if recertified {
			v.expiresAt, v.publishedAt = exp, now
			s.expAudit = append(s.expAudit, "version.expiry_changed")
			return nil
		}
		// A published version past its expiry is expired (the sweep moves
		// it and tells its reps), not superseded.
		if old := a.published; old != nil && old != v && old.state == domain.StatePublished && !old.effectivelyExpired(now) {
			s.retire(old, domain.StateSuperseded, now)
			s.expAudit = append(s.expAudit, "version.supersede")
		}
		v.state, v.publishedAt, v.availableFrom, v.expiresAt = domain.StatePublished, now, from, exp
		v.announced = !from.After(now)
		a.published = v
		s.expAudit = append(s.expAudit, "version.publish")
	case "withdraw":
		v := s.version(op)
		if v == nil {
			return nil
		}
		reason := "Outdated by the model."
		if op.Arg == 1 {
			reason = "no"
		}
		ok := (hasRole(op.Actor, "marketer") || hasRole(op.Actor, "regulatory_reviewer")) && op.Arg != 1 &&
			(v.state == domain.StatePublished || v.state == domain.StateApproved) && !v.effectivelyExpired(now)
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/versions/"+v.id+"/withdraw", op.Actor, map[string]any{"reason": reason})
		})
		if err != nil || !ok {
			return err
		}
		s.retire(v, domain.StateWithdrawn, now)
		if v.asset.published == v {
			v.asset.published = nil
		}
		v.asset.hooks = append(v.asset.hooks, "version.withdrawn")
		s.expAudit = append(s.expAudit, "version.withdraw")
	case "download":
		a := s.asset(op)
		if a == nil {
			return nil
		}
		return s.download(op, op.Actor, a)
	case "ack":
		ids := s.noticeID[op.Actor]
		id := "no-such-notice"
		ok := false
		if op.Arg2 == 1 {
			for _, other := range modelReps {
				if other != op.Actor && len(s.noticeID[other]) > 0 {
					id = s.noticeID[other][0]
				}
			}
		} else if len(ids) > 0 {
			id, ok = ids[op.Arg%len(ids)], true
		}
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/notices/"+id+"/ack", op.Actor, nil)
		})
		if err != nil || !ok {
			return err
		}
		if !s.acked[id] {
			s.expAudit = append(s.expAudit, "notice.ack")
		}
		s.acked[id] = true
	case "label", "claim":
		return s.changeLabel(op)
	case "jump":
		s.w.clock.Advance(time.Duration(op.Arg) * time.Hour)
		s.changed = true
	case "sweep":
		s.changed = true
		runs := 1 + s.rng.IntN(2) // running it twice changes nothing more
		for i := range runs {
			if _, err := s.w.instances[(op.Inst+i)%len(s.w.instances)].store.Settle(context.Background(), now); err != nil {
				return err
			}
		}
		s.settle(now)
	case "hook_down":
		s.hooksDown = true
		s.w.rcv.setFail(true)
	case "hook_up":
		s.changed = true
		s.hooksDown = false
		s.w.rcv.setFail(false)
		if err := s.w.deliver(s.rng, true); err != nil {
			return err
		}
		return s.checkHooks()
	case "deliver":
		if s.hooksDown && s.downCalls >= 8 {
			return nil // stay clear of the give-up limit
		}
		if s.hooksDown {
			s.downCalls++
		}
		if err := s.w.deliver(s.rng, !s.hooksDown); err != nil {
			return err
		}
		if !s.hooksDown {
			return s.checkHooks()
		}
	default:
		return fmt.Errorf("unknown step kind %q", op.Kind)
	}
	return nil
}

// changeLabel changes the brand's label (op.Arg: 0 adds an ISI statement,
// 1 removes one, 2 changes the indication, 3 toggles the boxed warning, 4
// toggles an off-label term) or adds a claim, and applies the product's
// cascade: every version that is not retired is checked again against the
// new label in the same transaction. An approved version goes back to
// review (a label_change round); a published one whose new report fails
// is flagged, gets a re-certification round and, with the default grace
// of 30 days, an expiry no later than now + 30 days.
func (s *modelSeq) changeLabel(op modelOp) error {
	now := s.w.clock.Now()
	next := s.label
	next.isi, next.offLabel = slices.Clone(s.label.isi), slices.Clone(s.label.offLabel)
	if op.Kind == "claim" {
		ok := hasRole(op.Actor, "medical_reviewer") || hasRole(op.Actor, "regulatory_reviewer")
		_, err := s.request(op, ok, func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPost, "/api/v1/brands/"+s.brand+"/claims", op.Actor, map[string]any{
				"text": "ZELTRA reduces the risk of stroke.", "category": "efficacy", "references": []string{"Study ZEL-301."}})
		})
		if err != nil || !ok {
			return err
		}
		s.expAudit = append(s.expAudit, "claim.create")
	} else {
		switch op.Arg {
		case 0:
			if st := modelISIPool[op.Arg2%len(modelISIPool)]; !slices.Contains(next.isi, st) {
				next.isi = append(next.isi, st)
			}
		case 1:
			if len(next.isi) > 1 {
				next.isi = slices.Delete(next.isi, op.Arg2%len(next.isi), op.Arg2%len(next.isi)+1)
			}
		case 2:
			next.indication = []string{"Treatment of adults with condition X.", "Treatment of adults with condition X or Y."}[op.Arg2%2]
		case 3:
			next.boxed = !next.boxed
		case 4:
			if slices.Contains(next.offLabel, "elderly patients") {
				next.offLabel = slices.DeleteFunc(next.offLabel, func(t string) bool { return t == "elderly patients" })
			} else {
				next.offLabel = append([]string{"elderly patients"}, next.offLabel...)
			}
		}
		body := map[string]any{"proprietary_name": "ZELTRA", "established_name": "zeltaparin", "indication": next.indication,
			"isi_statements": next.isi, "boxed_warning": next.boxed, "pi_reference": "Please see full Prescribing Information.",
			"off_label_terms": next.offLabel, "max_expiry_months": 12}
		_, err := s.request(op, hasRole(op.Actor, "regulatory_reviewer"), func() *httptest.ResponseRecorder {
			return s.api(op, http.MethodPut, "/api/v1/brands/"+s.brand+"/label", op.Actor, body)
		})
		if err != nil || !hasRole(op.Actor, "regulatory_reviewer") {
			return err
		}
		if slices.Equal(next.isi, s.label.isi) && slices.Equal(next.offLabel, s.label.offLabel) &&
			next.boxed == s.label.boxed && next.indication == s.label.indication {
			return nil // saving the label unchanged makes no new version
		}
	}
	for _, st := range s.label.isi {
		next.previous[st] = true
	}
	next.version = s.label.version + 1
	s.label = next
	s.expAudit = append(s.expAudit, "brand.label_update")
	const grace = 30 * 24 * time.Hour
	for _, a := range s.assets {
		for _, v := range a.versions {
			switch {
			case v.state == domain.StateExpired || v.state == domain.StateWithdrawn || v.state == domain.StateSuperseded ||
				v.effectivelyExpired(now):
				continue
			}
			v.passes = v.doc.passes(s.label)
			switch v.state {
			case domain.StateApproved:
				if v.round != nil {
					// An open re-certification was of the old label.
					s.expAudit = append(s.expAudit, "review.rounds_cancelled")
				}
				v.state = domain.StateInReview
				v.round = &mRound{tasks: map[string]string{"medical": "open", "legal": "open", "regulatory": "open"}}
				s.expAudit = append(s.expAudit, "version.label_rereview")
			case domain.StatePublished:
				if !v.passes {
					if v.round == nil {
						v.round = &mRound{recert: true, tasks: map[string]string{"medical": "open", "legal": "open", "regulatory": "open"}}
						s.expAudit = append(s.expAudit, "version.recertify")
					}
					s.expAudit = append(s.expAudit, "version.rereview_required")
					if deadline := now.Add(grace); v.expiresAt.After(deadline) {
						s.expAudit = append(s.expAudit, "version.expiry_changed")
						v.expiresAt = deadline
						a.hooks = append(a.hooks, "version.updated")
					}
				}
			}
			if err := s.readReport(op, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// maySign is segregation of duties for the model's reviewers: nobody signs
// for two functions of one version (a waiver is a regulatory act).
func (s *modelSeq) maySign(v *mVersion, actor, function string) bool {
	for f := range v.signoffs[actor] {
		if f != function {
			return false
		}
	}
	return !v.submitters[actor] && v.uploader != actor && v.asset.owner != actor
}

func (s *modelSeq) signed(v *mVersion, actor, function string) {
	if v.signoffs[actor] == nil {
		v.signoffs[actor] = map[string]bool{}
	}
	v.signoffs[actor][function] = true
}

// settle is what the library writes when it settles at now (the minute
// job, and every read of the feed or of notices): versions whose
// availability date passed are announced, then versions whose expiry
// passed are expired with their notices. It reports whether anything was
// due.
func (s *modelSeq) settle(now time.Time) bool {
	due := false
	for _, a := range s.assets {
		for _, v := range a.versions {
			if v.state == domain.StatePublished && !v.announced && !v.availableFrom.After(now) {
				v.announced, due = true, true
				a.hooks = append(a.hooks, "version.available")
				s.expAudit = append(s.expAudit, "version.available")
			}
		}
	}
	for _, a := range s.assets {
		for _, v := range a.versions {
			if v.effectivelyExpired(now) {
				due = true
				s.retire(v, domain.StateExpired, now)
				a.hooks = append(a.hooks, "version.expired")
				s.expAudit = append(s.expAudit, "version.expire")
			}
		}
	}
	return due
}

// retire moves v out of the field and gives every rep who downloaded it
// one notice.
func (s *modelSeq) retire(v *mVersion, state domain.State, now time.Time) {
	v.state, v.retiredAt = state, now
	s.retired = true
	for rep := range v.downloadedBy {
		if _, ok := s.notices[rep][v.id]; !ok {
			s.notices[rep][v.id] = string(state)
		}
	}
}

// readReport reads the report a submission or re-certification stored and
// checks the model's rule for the checker against it.
func (s *modelSeq) readReport(op modelOp, v *mVersion) error {
	rec := s.api(op, http.MethodGet, "/api/v1/versions/"+v.id+"/compliance", "reg", nil)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("compliance = %d %s", rec.Code, rec.Body)
	}
	var r domain.CheckReport
	if err := jsonDecode(rec.Body, &r); err != nil {
		return err
	}
	v.hasReport, v.errors, v.waived = true, nil, map[string]bool{}
	for _, f := range r.Findings {
		if f.Severity == domain.SeverityError {
			v.errors = append(v.errors, f.ID)
		}
	}
	if r.Passed != v.passes || (len(v.errors) == 0) != v.passes {
		return fmt.Errorf(
			"the model's checker rule says passes=%v, the checker: passed=%v with findings %+v on\n%s",
			v.passes,
			r.Passed,
			r.Findings,
			v.content,
		)
	}
	return nil
}

// download fetches an asset's current piece as a rep and checks the
// answer: the visible version's bytes, 410 once the piece the rep could
// see was withdrawn or expired, 404 otherwise.
func (s *modelSeq) download(op modelOp, rep string, a *mAsset) error {
	now := s.w.clock.Now()
	var vis *mVersion
	if a.published != nil && a.published.visible(now) {
		vis = a.published
	}
	if rep == "xr" {
		vis = nil
	}
	want := map[int]bool{}
	if vis == nil {
		want = s.goneOrNotFound(a, now)
		if rep == "xr" {
			want = map[int]bool{http.StatusNotFound: true}
		}
	}
	rec, err := s.request(op, vis != nil, func() *httptest.ResponseRecorder {
		return s.api(op, http.MethodGet, "/api/v1/library/"+a.id+"/content", rep, nil)
	})
	if err != nil {
		return fmt.Errorf("I1: download of %s by %s: %w", a.job, rep, err)
	}
	if vis == nil {
		if !want[rec.Code] {
			return fmt.Errorf("I1: download of %s (not visible) by %s = %d, want %v", a.job, rep, rec.Code, want)
		}
		return nil
	}
	if !bytes.Equal(rec.Body.Bytes(), vis.content) {
		return fmt.Errorf("I1: download of %s by %s returned other bytes than version %d", a.job, rep, vis.number)
	}
	vis.downloadedBy[rep] = true
	s.checkWrote = s.checkWrote || s.checking
	s.expAudit = append(s.expAudit, "library.download")
	return nil
}

// goneOrNotFound is the answer to a download of an asset with no visible
// piece: 410 if its most recently published version was visible and was
// then withdrawn or expired, else 404 (never published, embargoed,
// withdrawn before it became available, ...).
func (s *modelSeq) goneOrNotFound(a *mAsset, now time.Time) map[int]bool {
	// The newest version that was in the field (by publication, then
	// number) decides: gone if it left by withdrawal, expiry or a newer
	// version not yet available; not found if none was ever in the field.
	var last *mVersion
	for _, v := range a.versions {
		if !v.wasVisible(now) {
			continue
		}
		if last == nil || v.publishedAt.After(last.publishedAt) || (v.publishedAt.Equal(last.publishedAt) && v.number > last.number) {
			last = v
		}
	}
	if last != nil &&
		(last.state == domain.StateWithdrawn || last.state == domain.StateExpired || last.state == domain.StateSuperseded ||
			last.effectivelyExpired(now)) {
		return map[int]bool{http.StatusGone: true}
	}
	return map[int]bool{http.StatusNotFound: true}
}

// visibleSet is the visible set of domain.InLibrary: asset -> version.
func (s *modelSeq) visibleSet(now time.Time) map[string]string {
	out := map[string]string{}
	for _, a := range s.assets {
		if a.published != nil && a.published.visible(now) {
			out[a.id] = a.published.id
		}
	}
	return out
}

// feedSet is what replaying the feed must give: the visible set.
func (s *modelSeq) feedSet(now time.Time) map[string]string { return s.visibleSet(now) }

// checkAll asserts I1, I2 and the per-step part of I4 after a step. Reps
// of a sequence hold the same brand, so their listings and feeds are the
// same query: one rep (in turn) reads them after each step, every rep at
// the end of the sequence (end). Reads whose answer the model says cannot
// have changed are not repeated after every step: a visible version is
// downloaded and searched once (the listing's sha256 is compared after
// every step), a piece that is not visible is fetched again when the
// answer the model expects changes, and notices are read after a step
// that retired something. Notices persist, so a wrong one is still found.
func (s *modelSeq) checkAll(op modelOp, end bool) error {
	// The library settles when it is read: after a jump across an
	// availability date or an expiry, a rep's first read of the feed
	// writes what became due, and I4 counts it in this step.
	if s.settle(s.w.clock.Now()) {
		rep := modelReps[s.rng.IntN(len(modelReps))]
		if rec := s.w.instances[s.rng.IntN(len(s.w.instances))].api(s.t, http.MethodGet, "/api/v1/library/changes?limit=1",
			s.tok[rep], nil); rec.Code != http.StatusOK {
			return fmt.Errorf("feed of %s = %d %s", rep, rec.Code, rec.Body)
		}
	}
	// I4: the step's audit events are exactly the model's.
	got, last, err := s.w.auditSince(s.brand, s.auditSeq)
	if err != nil {
		return err
	}
	got = slices.DeleteFunc(got, func(a string) bool { return slices.Contains(refusalActions, a) || a == "compliance.check" })
	want := slices.Clone(s.expAudit)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("I4: audit events of the step = %v, model expects %v", got, want)
	}
	now := s.w.clock.Now()
	vis := s.visibleSet(now)
	op.Inst = s.rng.IntN(len(s.w.instances))
	s.checking = true
	defer func() { s.checking = false }()
	s.steps++
	full := end || s.changed || len(want) > 0 || len(got) > 0
	reps := []string{modelReps[s.steps%len(modelReps)]}
	if end {
		reps = modelReps
	}
	// I1: the listing, and the feed replayed from the start.
	for _, rep := range reps {
		rec := s.api(op, http.MethodGet, "/api/v1/library?limit=200", rep, nil)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("I1: library of %s = %d", rep, rec.Code)
		}
		var page domain.LibraryPage
		if err := jsonDecode(rec.Body, &page); err != nil {
			return err
		}
		listed := map[string]string{}
		for _, it := range page.Items {
			listed[it.AssetID] = it.VersionID
			if a := s.assetByID(it.AssetID); a != nil && a.published != nil && a.published.id == it.VersionID &&
				it.SHA256 != sha256Hex(a.published.content) {
				return fmt.Errorf("I1: library of %s lists %s with sha256 %s, not that of its content", rep, a.job, it.SHA256)
			}
		}
		if !mapsEqual(listed, vis) {
			return fmt.Errorf("I1: library of %s = %v, model's visible set %v", rep, s.names(listed), s.names(vis))
		}
		if !full {
			continue
		}
		feed, err := s.feed(op, rep, "")
		if err != nil {
			return err
		}
		replayed := map[string]feedItem{}
		applyFeed(replayed, feed)
		if got, want := feedVersions(replayed), s.feedSet(now); !mapsEqual(got, want) {
			return fmt.Errorf("I1: feed of %s replayed from the start = %v, model %v (entries %+v)", rep, s.names(got), s.names(want), feed)
		}
		if err := s.checkFeedSpec(replayed, nil); err != nil {
			return err
		}
	}
	if !full {
		// A refused request or a read: I5 showed no row and no audit
		// event was added, and the clock stood still.
		return nil
	}
	// The rep who consumes the feed incrementally, with the cursor.
	page, err := s.feedPage(op, "obs", s.feedCursor)
	if err != nil {
		return err
	}
	applyFeed(s.feedSeen, page.Changes)
	s.feedCursor = page.NextCursor
	if got, want := feedVersions(s.feedSeen), s.feedSet(now); !mapsEqual(got, want) {
		return fmt.Errorf("I1: feed consumed with the cursor = %v, model %v", s.names(got), s.names(want))
	}
	if err := s.checkFeedSpec(s.feedSeen, page.Changes); err != nil {
		return err
	}
	s.auditSeq = last
	// Search by a word of each visible version; downloads.
	for ai, a := range s.assets {
		rep := modelReps[ai%2]
		if vid := vis[a.id]; vid != "" {
			if s.seen[vid] && !end {
				continue
			}
			s.seen[vid] = true
			word := a.published.word
			rec := s.api(op, http.MethodGet, "/api/v1/library?q="+url.QueryEscape(word), rep, nil)
			var page domain.LibraryPage
			if err := jsonDecode(rec.Body, &page); err != nil {
				return err
			}
			if len(page.Items) != 1 || page.Items[0].AssetID != a.id {
				return fmt.Errorf("I1: search of %s for %q = %+v, want %s", rep, word, page.Items, a.job)
			}
			if err := s.download(op, "obs", a); err != nil {
				return err
			}
			continue
		}
		key := fmt.Sprint(s.goneOrNotFound(a, now))
		if s.goneKey[a.id] == key && !end {
			continue
		}
		s.goneKey[a.id] = key
		if err := s.download(op, rep, a); err != nil {
			return err
		}
	}
	// I2: notices.
	if s.retired || end {
		s.retired = false
		for _, rep := range modelReps {
			if err := s.checkNotices(op, rep); err != nil {
				return err
			}
		}
	}
	if s.checkWrote {
		// The checks' own downloads are audited: start after them.
		s.checkWrote = false
		s.auditSeq, err = s.w.headSeq()
	}
	return err
}

// checkNotices asserts I2 for one rep: exactly one notice per version that
// left the visible set after the rep downloaded it, with the reason.
func (s *modelSeq) checkNotices(op modelOp, rep string) error {
	rec := s.api(op, http.MethodGet, "/api/v1/notices", rep, nil)
	var body struct{ Notices []domain.Notice }
	if rec.Code != http.StatusOK {
		return fmt.Errorf("I2: notices of %s = %d", rep, rec.Code)
	}
	if err := jsonDecode(rec.Body, &body); err != nil {
		return err
	}
	got := map[string]string{}
	s.noticeID[rep] = nil
	for _, n := range body.Notices {
		if _, dup := got[n.VersionID]; dup {
			return fmt.Errorf("I2: %s has two notices for version %s", rep, n.VersionID)
		}
		got[n.VersionID] = n.Reason
		s.noticeID[rep] = append(s.noticeID[rep], n.ID)
	}
	slices.Sort(s.noticeID[rep])
	if !mapsEqual(got, s.notices[rep]) {
		return fmt.Errorf("I2: notices of %s = %v, model %v", rep, got, s.notices[rep])
	}
	return nil
}

func (s *modelSeq) assetByID(id string) *mAsset {
	for _, a := range s.assets {
		if a.id == id {
			return a
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// feedEntry is one entry of the sync feed as the API documents it (the
// current code has no expires_at yet).
type feedEntry struct {
	AssetID   string     `json:"asset_id"`
	VersionID string     `json:"version_id"`
	Change    string     `json:"change"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type feedPageBody struct {
	Changes    []feedEntry `json:"changes"`
	NextCursor string      `json:"next_cursor"`
}

// feedItem is what a feed consumer holds for an asset.
type feedItem struct {
	version string
	expires *time.Time
}

func (s *modelSeq) feedPage(op modelOp, rep, since string) (feedPageBody, error) {
	path := "/api/v1/library/changes?limit=1000"
	if since != "" {
		path += "&since=" + url.QueryEscape(since)
	}
	rec := s.api(op, http.MethodGet, path, rep, nil)
	var page feedPageBody
	if rec.Code != http.StatusOK {
		return page, fmt.Errorf("I1: feed of %s = %d %s", rep, rec.Code, rec.Body)
	}
	return page, jsonDecode(rec.Body, &page)
}

// feed reads the whole feed from since, page by page.
func (s *modelSeq) feed(op modelOp, rep, since string) ([]feedEntry, error) {
	var out []feedEntry
	for {
		page, err := s.feedPage(op, rep, since)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Changes...)
		if len(page.Changes) < 1000 {
			return out, nil
		}
		since = page.NextCursor
	}
}

// applyFeed applies feed entries in order to what a consumer holds.
func applyFeed(m map[string]feedItem, entries []feedEntry) {
	for _, e := range entries {
		switch e.Change {
		case "added", "updated":
			m[e.AssetID] = feedItem{version: e.VersionID, expires: e.ExpiresAt}
		case "removed":
			if m[e.AssetID].version == e.VersionID {
				delete(m, e.AssetID)
			}
		}
	}
}

func feedVersions(m map[string]feedItem) map[string]string {
	out := make(map[string]string, len(m))
	for a, it := range m {
		out[a] = it.version
	}
	return out
}

// checkFeedSpec asserts what the feed says beyond the visible set: a consumer holds each visible version with its current expiry
// (recertification extensions and label-cascade shortenings arrive as
// "updated" entries), and each removal names why the version left.
func (s *modelSeq) checkFeedSpec(held map[string]feedItem, entries []feedEntry) error {
	for _, e := range entries {
		if e.Change != "removed" {
			continue
		}
		if v := s.versionByID(e.VersionID); v != nil {
			want := v.state
			if v.effectivelyExpired(s.w.clock.Now()) {
				want = domain.StateExpired
			}
			if e.Reason != string(want) {
				return fmt.Errorf("I1: feed removes %s v%d with reason %q, model %q", v.asset.job, v.number, e.Reason, want)
			}
		}
	}
	for aid, it := range held {
		a := s.assetByID(aid)
		if a == nil || a.published == nil || a.published.id != it.version {
			continue
		}
		if it.expires == nil || !it.expires.Equal(a.published.expiresAt) {
			return fmt.Errorf(
				"I1: feed holds %s v%d with expires_at %v, model %v",
				a.job,
				a.published.number,
				it.expires,
				a.published.expiresAt,
			)
		}
	}
	return nil
}

func (s *modelSeq) versionByID(id string) *mVersion {
	for _, a := range s.assets {
		for _, v := range a.versions {
			if v.id == id {
				return v
			}
		}
	}
	return nil
}

// checkHooks asserts I3 once the receiver is up and the outbox drained:
// every asset's events arrived in asset_sequence order from 1 with no gap,
// and their kinds are the model's.
func (s *modelSeq) checkHooks() error {
	for _, a := range s.assets {
		got := s.w.rcv.received(a.id)
		var kinds []string
		for i, h := range got {
			if h.Seq != int64(i+1) {
				return fmt.Errorf("I3: webhooks of %s arrived as %+v: want asset_sequence 1..n in order", a.job, got)
			}
			kinds = append(kinds, h.Event)
		}
		want := a.hooks
		// Retirements are compared by kind (version.available and
		// version.updated are not modelled one for one); every event's
		// order is checked above.
		retirement := func(k string) bool { return k != "version.withdrawn" && k != "version.expired" }
		kinds = slices.DeleteFunc(kinds, retirement)
		want = slices.DeleteFunc(slices.Clone(want), retirement)
		if !slices.Equal(kinds, want) {
			return fmt.Errorf("I3: webhooks of %s = %v, model %v", a.job, kinds, want)
		}
	}
	return nil
}

func (s *modelSeq) names(m map[string]string) map[string]string {
	out := map[string]string{}
	for aid, vid := range m {
		name, num := aid, "?"
		for _, a := range s.assets {
			if a.id == aid {
				name = a.job
				for _, v := range a.versions {
					if v.id == vid {
						num = fmt.Sprint(v.number)
					}
				}
			}
		}
		out[name] = "v" + num
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
