package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestRepsDownloadWhileExpiryAndWithdrawalsRun has reps list the library and
// download pieces over a real listener while the fake clock moves, the
// expiry sweep runs after every step and regulatory withdraws pieces. For
// every answer it checks what the product promises reps: no 5xx, nothing
// served once it expired or was withdrawn, nothing current refused, a JSON
// 410 for retired pieces; and at the end that every download was audited,
// the audit chain holds and every rep who fetched a retired piece has its
// notice.
func TestRepsDownloadWhileExpiryAndWithdrawalsRun(t *testing.T) {
	// SQLite serves one writer at a time and runs slowly under the race
	// detector: a smaller field there covers the same transitions.
	for _, c := range []struct {
		backend string
		shape   loadShape
	}{
		{"postgres", loadShape{reps: 6, expiring: 10, withdrawn: 6, staying: 3}},
		{"sqlite", loadShape{reps: 4, expiring: 6, withdrawn: 4, staying: 2}},
	} {
		t.Run(c.backend, func(t *testing.T) { repsUnderExpiryAndWithdrawal(t, c.backend, c.shape) })
	}
}

// The pieces' fates in the load test.
const (
	fateExpires  = "expired"
	fateWithdraw = "withdrawn"
	fateStays    = "stays"
)

// loadShape is how many reps use how many pieces of each fate.
type loadShape struct {
	reps, expiring, withdrawn, staying int
}

const (
	loadExpiryStride = 6 * time.Minute // between two pieces' expiry times
	loadClockStep    = 3 * time.Minute
	loadPerStep      = 12 // rep requests between two clock steps
)

type loadPiece struct {
	asset, version, jobCode, fate string
	content                       []byte
	expires                       time.Time
}

// loadTimeline orders the test's events: a rep takes a tick before it sends
// and after it has its answer; a withdrawal takes one before the call and
// one after it returned. One lock makes the ticks a total order that agrees
// with what each goroutine saw.
type loadTimeline struct {
	mu       sync.Mutex
	seq      int64
	started  map[string]int64 // asset ID -> tick before the withdrawal call
	returned map[string]int64 // asset ID -> tick after it returned 200
}

func (tl *loadTimeline) tick() int64 {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.seq++
	return tl.seq
}

func (tl *loadTimeline) mark(m map[string]int64, asset string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.seq++
	m[asset] = tl.seq
}

// withdrawnBefore reports whether the asset's withdrawal had returned
// before tick at.
func (tl *loadTimeline) withdrawnBefore(asset string, at int64) bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	r, ok := tl.returned[asset]
	return ok && r < at
}

// withdrawalStartedBefore reports whether the asset's withdrawal call had
// been sent before tick at.
func (tl *loadTimeline) withdrawalStartedBefore(asset string, at int64) bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	s, ok := tl.started[asset]
	return ok && s < at
}

// loadTally is what the reps saw, checked against the store at the end.
type loadTally struct {
	mu         sync.Mutex
	downloads  map[string]int             // version ID -> 200 downloads
	fetched    map[int]map[string]bool    // rep -> asset IDs downloaded with 200
	gone       map[string]int             // fate -> 410 answers
	violations []string                   // broken promises, reported at the end
	samples    map[string]*loadSample     // one exchange per kind, for the OpenAPI check
	requests   atomic.Int64               // rep requests answered
	listed     map[string]map[string]bool // fate -> asset IDs seen listed
}

type loadSample struct {
	method, path, token string
	status              int
	header              http.Header
	body                []byte
}

func (lt *loadTally) violate(format string, args ...any) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.violations = append(lt.violations, fmt.Sprintf(format, args...))
}

func (lt *loadTally) sample(kind string, s *loadSample) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.samples[kind] == nil {
		lt.samples[kind] = s
	}
}

func repsUnderExpiryAndWithdrawal(t *testing.T, backend string, shape loadShape) {
	f := newReviewFixtureOn(t, backend)
	ctx := context.Background()

	reps := make([]string, shape.reps)
	for i := range reps {
		email := fmt.Sprintf("rep%d@example.com", i)
		f.addUser(t, email, "rep:ZELTRA")
		reps[i] = f.login(t, email)
	}

	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * shape.reps}
	defer transport.CloseIdleConnections()
	lc := &loadClient{url: srv.URL, client: &http.Client{Transport: transport}}
	send := func(method, path, token string, body string) (int, http.Header, []byte, error) {
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		return lc.call(method, path, token, ct, []byte(body))
	}

	// Marketing publishes the pieces, a few at a time.
	base := f.clock.Now()
	var pieces []*loadPiece
	byAsset := map[string]*loadPiece{}
	for i := 0; i < shape.expiring+shape.withdrawn+shape.staying; i++ {
		p := &loadPiece{jobCode: fmt.Sprintf("ZEL-LOAD-%02d", i), fate: fateStays, expires: base.Add(30 * 24 * time.Hour)}
		switch {
		case i < shape.expiring:
			p.fate, p.expires = fateExpires, base.Add(time.Duration(i+1)*loadExpiryStride)
		case i < shape.expiring+shape.withdrawn:
			p.fate = fateWithdraw
		}
		p.content = []byte(compliantPiece + fmt.Sprintf("Detail aid %s.\n", p.jobCode))
		pieces = append(pieces, p)
	}
	todo := make(chan *loadPiece, len(pieces))
	for _, p := range pieces {
		todo <- p
	}
	close(todo)
	errs := make(chan error, len(pieces))
	var publishers sync.WaitGroup
	for w := 0; w < 4; w++ {
		publishers.Add(1)
		go func() {
			defer publishers.Done()
			for p := range todo {
				errs <- lc.publishPiece(f, p)
			}
		}()
	}
	publishers.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pieces {
		byAsset[p.asset] = p
	}

	tl := &loadTimeline{started: map[string]int64{}, returned: map[string]int64{}}
	tally := &loadTally{downloads: map[string]int{}, fetched: map[int]map[string]bool{}, gone: map[string]int{},
		samples: map[string]*loadSample{}, listed: map[string]map[string]bool{}}

	// The reps run until the clock and the withdrawals are done.
	stop := make(chan struct{})
	var repsAlive atomic.Int32
	var repWG sync.WaitGroup
	for r := 0; r < shape.reps; r++ {
		repWG.Add(1)
		repsAlive.Add(1)
		tally.fetched[r] = map[string]bool{}
		go func(r int) {
			defer repWG.Done()
			defer repsAlive.Add(-1)
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				var p *loadPiece
				path := "/api/v1/library"
				if rng.IntN(3) != 0 {
					p = pieces[rng.IntN(len(pieces))]
					path = "/api/v1/library/" + p.asset + "/content"
				}
				sentClock, sent := f.clock.Now(), tl.tick()
				status, header, body, err := send(http.MethodGet, path, reps[r], "")
				recvClock, recv := f.clock.Now(), tl.tick()
				tally.requests.Add(1)
				if err != nil {
					tally.violate("rep %d: GET %s: %v", r, path, err)
					return
				}
				if status >= 500 {
					tally.violate("rep %d: GET %s -> %d: %s", r, path, status, truncateForLog(string(body)))
					continue
				}
				if p == nil {
					checkListing(tally, tl, byAsset, pieces, r, status, body, sentClock, sent, recvClock, recv)
					tally.sample("library", &loadSample{http.MethodGet, path, reps[r], status, header, body})
					continue
				}
				checkDownload(tally, tl, p, r, status, header, body, sentClock, sent, recvClock, recv)
				tally.sample(fmt.Sprintf("content %d", status), &loadSample{http.MethodGet, path, reps[r], status, header, body})
			}
		}(r)
	}

	// waitFor blocks until the reps have had n answers, or none is left.
	waitFor := func(n int64) {
		for tally.requests.Load() < n && repsAlive.Load() > 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}

	var drivers sync.WaitGroup
	expired := 0
	steps := int(time.Duration(shape.expiring)*loadExpiryStride/loadClockStep) + 2
	drivers.Add(2)
	go func() { // the clock and the expiry job
		defer drivers.Done()
		for step := 1; step <= steps; step++ {
			waitFor(int64(step * loadPerStep))
			f.clock.Advance(loadClockStep)
			n, err := f.store.ExpireDue(ctx, f.clock.Now())
			if err != nil {
				tally.violate("ExpireDue at step %d: %v", step, err)
				return
			}
			expired += n
		}
	}()
	go func() { // regulatory withdraws pieces while reps use them
		defer drivers.Done()
		j := 0
		for _, p := range pieces {
			if p.fate != fateWithdraw {
				continue
			}
			j++
			waitFor(int64(j * steps * loadPerStep / (shape.withdrawn + 1)))
			tl.mark(tl.started, p.asset)
			status, _, body, err := send(
				http.MethodPost,
				"/api/v1/versions/"+p.version+"/withdraw",
				f.regulatory,
				fmt.Sprintf(`{"reason":"Safety update %d"}`, j),
			)
			if err != nil || status != http.StatusOK {
				tally.violate("withdraw %s -> %d %v: %s", p.jobCode, status, err, truncateForLog(string(body)))
				continue
			}
			tl.mark(tl.returned, p.asset)
		}
	}()
	drivers.Wait()
	waitFor(tally.requests.Load() + loadPerStep) // a last round on the final state
	close(stop)
	repWG.Wait()

	for _, v := range tally.violations[:min(len(tally.violations), 20)] {
		t.Error(v)
	}
	if len(tally.violations) > 0 {
		t.Fatalf("%d broken promises in %d rep requests", len(tally.violations), tally.requests.Load())
	}

	// The sweep moved every expiring piece exactly once.
	n, err := f.store.ExpireDue(ctx, f.clock.Now())
	if err != nil || expired+n != shape.expiring {
		t.Fatalf("expiry sweeps moved %d+%d versions (%v), want %d", expired, n, err, shape.expiring)
	}
	// The run reached every state it is about.
	for _, fate := range []string{fateExpires, fateWithdraw} {
		if tally.gone[fate] == 0 || len(tally.listed[fate]) == 0 {
			t.Errorf("%s pieces: %d answers 410, %d listed: the load missed a transition", fate, tally.gone[fate], len(tally.listed[fate]))
		}
	}
	if tally.gone[fateStays] != 0 || len(tally.listed[fateStays]) != shape.staying {
		t.Errorf("current pieces: %d answers 410, %d of %d listed", tally.gone[fateStays], len(tally.listed[fateStays]), shape.staying)
	}

	// Every answer the reps got is one the API document describes.
	for kind, s := range tally.samples {
		req := httptest.NewRequest(s.method, s.path, nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		if err := apiValidator(t).Check(req, nil, s.status, s.header, s.body); err != nil {
			t.Errorf("OpenAPI (%s): %v", kind, err)
		}
	}

	// Every download that got a 200 has its audit event, and no other does.
	audited := map[string]int{}
	for after := int64(0); ; {
		evs, err := f.store.ListAudit(ctx, domain.AuditFilter{Action: "library.download", AfterSeq: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			audited[e.ObjectID]++
		}
		after = evs[len(evs)-1].Seq
	}
	total := 0
	for _, p := range pieces {
		total += tally.downloads[p.version]
		if audited[p.version] != tally.downloads[p.version] {
			t.Errorf("%s: %d downloads answered 200, %d audited", p.jobCode, tally.downloads[p.version], audited[p.version])
		}
	}
	if total == 0 {
		t.Fatal("no download succeeded")
	}
	if r, err := f.store.VerifyAudit(ctx); err != nil || !r.OK {
		t.Fatalf("audit chain after the load: %+v %v", r, err)
	}

	// Every rep who fetched a retired piece has a notice with its reason,
	// and nobody has one for a piece they never fetched or that is current.
	for r, tok := range reps {
		notices := decode[struct{ Notices []domain.Notice }](t, f.api(t, http.MethodGet, "/api/v1/notices", tok, nil), http.StatusOK)
		got := map[string]string{}
		for _, n := range notices.Notices {
			got[n.AssetID] = n.Reason
		}
		for _, p := range pieces {
			want := ""
			if tally.fetched[r][p.asset] && p.fate != fateStays {
				want = p.fate
			}
			if got[p.asset] != want {
				t.Errorf(
					"rep %d, %s (%s, fetched %v): notice %q, want %q",
					r,
					p.jobCode,
					p.fate,
					tally.fetched[r][p.asset],
					got[p.asset],
					want,
				)
			}
		}
	}

	// Afterwards the library holds exactly the current pieces, and every
	// retired one answers 410 with its reason.
	lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", reps[0], nil), http.StatusOK)
	var listed, want []string
	for _, it := range lib.Items {
		listed = append(listed, it.JobCode)
	}
	for _, p := range pieces {
		switch p.fate {
		case fateStays:
			want = append(want, p.jobCode)
			if rec := f.api(t, http.MethodGet, "/api/v1/library/"+p.asset+"/content", reps[0], nil); rec.Code != http.StatusOK ||
				rec.Body.String() != string(p.content) {
				t.Errorf("%s after the load: %d", p.jobCode, rec.Code)
			}
		case fateExpires, fateWithdraw:
			why := map[string]string{fateExpires: "expired", fateWithdraw: "withdrawn: Safety update"}[p.fate]
			rec := f.api(t, http.MethodGet, "/api/v1/library/"+p.asset+"/content", reps[0], nil)
			if d := decodeError(t, rec, http.StatusGone, "gone"); !strings.Contains(d.Message, why) {
				t.Errorf("%s: 410 message %q", p.jobCode, d.Message)
			}
		}
	}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("library after the load = %v, want %v", listed, want)
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("errors logged under load:\n%s", truncateForLog(f.logs.String()))
	}
	t.Logf(
		"%s: %d rep requests, %d downloads, %d answers 410",
		backend,
		tally.requests.Load(),
		total,
		tally.gone[fateExpires]+tally.gone[fateWithdraw],
	)
}

// checkDownload checks one rep download of piece p against the timeline.
func checkDownload(
	lt *loadTally,
	tl *loadTimeline,
	p *loadPiece,
	rep, status int,
	header http.Header,
	body []byte,
	sentClock time.Time,
	sent int64,
	recvClock time.Time,
	recv int64,
) {
	switch status {
	case http.StatusOK:
		switch {
		case !sentClock.Before(p.expires):
			lt.violate(
				"rep %d got %s (expires %s) for a request sent at %s",
				rep,
				p.jobCode,
				p.expires.Format(time.TimeOnly),
				sentClock.Format(time.TimeOnly),
			)
		case tl.withdrawnBefore(p.asset, sent):
			lt.violate("rep %d got %s for a request sent after its withdrawal returned", rep, p.jobCode)
		case string(body) != string(p.content):
			lt.violate("rep %d got other bytes for %s: %q", rep, p.jobCode, truncateForLog(string(body)))
		case header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(header.Get("Content-Disposition"), "attachment"):
			lt.violate("rep %d got %s with headers %v", rep, p.jobCode, header)
		}
		lt.mu.Lock()
		lt.downloads[p.version]++
		lt.fetched[rep][p.asset] = true
		lt.mu.Unlock()
	case http.StatusGone:
		var env errorBody
		if err := json.Unmarshal(body, &env); err != nil || env.Error.Code != domain.EGONE ||
			!strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			lt.violate("rep %d: 410 for %s without the JSON error envelope: %s", rep, p.jobCode, truncateForLog(string(body)))
			return
		}
		due := !recvClock.Before(p.expires) || tl.withdrawalStartedBefore(p.asset, recv)
		if !due {
			lt.violate("rep %d: %s refused (%s) while current", rep, p.jobCode, env.Error.Message)
		}
		if reason := map[string]string{fateExpires: "expired", fateWithdraw: "withdrawn"}[p.fate]; due &&
			!strings.Contains(env.Error.Message, reason) {
			lt.violate("rep %d: 410 for %s (%s) says %q", rep, p.jobCode, p.fate, env.Error.Message)
		}
		lt.mu.Lock()
		lt.gone[p.fate]++
		lt.mu.Unlock()
	default:
		lt.violate("rep %d: download of %s -> %d: %s", rep, p.jobCode, status, truncateForLog(string(body)))
	}
}

// checkListing checks one library listing: nothing retired before the
// request was sent is in it, and everything current until the answer came
// back is.
func checkListing(
	lt *loadTally,
	tl *loadTimeline,
	byAsset map[string]*loadPiece,
	pieces []*loadPiece,
	rep, status int,
	body []byte,
	sentClock time.Time,
	sent int64,
	recvClock time.Time,
	recv int64,
) {
	if status != http.StatusOK {
		lt.violate("rep %d: library -> %d: %s", rep, status, truncateForLog(string(body)))
		return
	}
	var page domain.LibraryPage
	if err := json.Unmarshal(body, &page); err != nil {
		lt.violate("rep %d: library body: %v", rep, err)
		return
	}
	seen := map[string]bool{}
	for _, it := range page.Items {
		p := byAsset[it.AssetID]
		switch {
		case p == nil:
			lt.violate("rep %d: library lists unknown asset %s (%s)", rep, it.AssetID, it.JobCode)
			continue
		case !sentClock.Before(p.expires):
			lt.violate(
				"rep %d: library sent at %s lists %s (expires %s)",
				rep,
				sentClock.Format(time.TimeOnly),
				p.jobCode,
				p.expires.Format(time.TimeOnly),
			)
		case tl.withdrawnBefore(p.asset, sent):
			lt.violate("rep %d: library lists %s after its withdrawal returned", rep, p.jobCode)
		case it.VersionID != p.version || !it.ExpiresAt.Equal(p.expires):
			lt.violate("rep %d: library item %+v, want version %s expiring %s", rep, it, p.version, p.expires)
		}
		seen[p.asset] = true
		lt.mu.Lock()
		if lt.listed[p.fate] == nil {
			lt.listed[p.fate] = map[string]bool{}
		}
		lt.listed[p.fate][p.asset] = true
		lt.mu.Unlock()
	}
	for _, p := range pieces {
		if !seen[p.asset] && recvClock.Before(p.expires) && !tl.withdrawalStartedBefore(p.asset, recv) {
			lt.violate("rep %d: library lacks current piece %s", rep, p.jobCode)
		}
	}
}

// loadClient talks to the server over its listener; it is safe for
// concurrent use and reports failures as errors, not through t.
type loadClient struct {
	url    string
	client *http.Client
}

func (lc *loadClient) call(method, path, token, contentType string, body []byte) (int, http.Header, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, lc.url+path, r)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := lc.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

// json sends in as JSON (nil: no body), wants status want and decodes the
// answer into out (nil: ignored).
func (lc *loadClient) json(method, path, token string, in any, want int, out any) error {
	var body []byte
	ct := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
		ct = "application/json"
	}
	status, _, b, err := lc.call(method, path, token, ct, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status != want {
		return fmt.Errorf("%s %s -> %d, want %d: %s", method, path, status, want, truncateForLog(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// publishPiece takes p from a new asset through upload, MLR review (with
// regulatory waiving the checker's errors) to publication until p.expires,
// as the fixture's marketer and reviewers.
func (lc *loadClient) publishPiece(f *reviewFixture, p *loadPiece) error {
	var a domain.Asset
	if err := lc.json(http.MethodPost, "/api/v1/assets", f.marketer, map[string]any{
		"job_code": p.jobCode, "title": "Detail aid " + p.jobCode, "brand": "ZELTRA", "audience": "hcp", "channel": "detail_aid"},
		http.StatusCreated, &a); err != nil {
		return err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", p.jobCode+".txt")
	if err != nil {
		return err
	}
	fw.Write(p.content)
	mw.Close()
	status, _, b, err := lc.call(http.MethodPost, "/api/v1/assets/"+a.ID+"/versions", f.marketer, mw.FormDataContentType(), body.Bytes())
	if err != nil || status != http.StatusCreated {
		return fmt.Errorf("upload %s -> %d %v: %s", p.jobCode, status, err, truncateForLog(string(b)))
	}
	var v domain.Version
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	vp := "/api/v1/versions/" + v.ID
	if err := lc.json(http.MethodPost, vp+"/submit", f.marketer, nil, http.StatusCreated, nil); err != nil {
		return err
	}
	var report domain.CheckReport
	if err := lc.json(http.MethodGet, vp+"/compliance", f.regulatory, nil, http.StatusOK, &report); err != nil {
		return err
	}
	for _, fd := range report.Findings {
		if fd.Severity == domain.SeverityError && fd.Waiver == nil {
			if err := lc.json(http.MethodPost, vp+"/compliance/findings/"+fd.ID+"/waive", f.regulatory,
				map[string]any{"justification": "Accepted by Regulatory for this piece.", "password": testPassword,
					"meaning": "Waived by Regulatory"}, http.StatusOK, nil); err != nil {
				return err
			}
		}
	}
	for _, who := range []struct{ token, function string }{{f.medical, "medical"}, {f.legal, "legal"}, {f.regulatory, "regulatory"}} {
		body := map[string]any{"function": who.function, "decision": "approve", "comment": "Reviewed.",
			"password": testPassword, "meaning": domain.DefaultMeaning(who.function, "approve")}
		if err := lc.json(http.MethodPost, vp+"/reviews", who.token, body, http.StatusOK, nil); err != nil {
			return err
		}
	}
	if err := lc.json(http.MethodPost, vp+"/publish", f.marketer, map[string]any{"expires_at": p.expires}, http.StatusOK, nil); err != nil {
		return err
	}
	p.asset, p.version = a.ID, v.ID
	return nil
}
