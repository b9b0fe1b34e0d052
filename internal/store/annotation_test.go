package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// pieceLines is the extracted text of a version, one page per entry.
func pieceLines(t *testing.T, pages ...string) []byte {
	t.Helper()
	var lines []domain.TextLine
	for i, p := range pages {
		lines = append(lines, domain.TextLine{Page: i + 1, Line: 1, Text: p})
	}
	b, err := json.Marshal(lines)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadText records a new PDF version of assetID with the given pages of
// text and returns it.
func uploadText(t *testing.T, s *Store, author domain.Actor, assetID string, seq int, pages ...string) domain.Version {
	t.Helper()
	sum := fmt.Sprintf("%064x", seq)
	obj := domain.StoredObject{Key: fmt.Sprintf("objects/aa/bb/%032x", seq), SHA256: sum, Size: 10}
	v, err := s.CreateVersion(context.Background(), author,
		domain.Version{AssetID: assetID, MediaType: "application/pdf", Filename: "piece.pdf", Pages: len(pages), TextStatus: domain.TextOK},
		obj, true, "", pieceLines(t, pages...))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func auditActions(t *testing.T, s *Store, objectType string) map[string]int {
	t.Helper()
	var actions []string
	if err := s.db.Table("audit_events").Where("object_type = ?", objectType).Pluck("action", &actions).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range actions {
		out[a]++
	}
	return out
}

func TestAnnotationThread(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		if _, err := s.CreateBrand(ctx, testActor, testBrand("OTHER")); err != nil {
			t.Fatal(err)
		}
		u := mustUser(t, s, "marketer@example.com")
		author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
		rev := mustUser(t, s, "medical@example.com", domain.RoleAssignment{Role: "medical_reviewer", Brand: "ZELTRA"})
		reviewer := domain.Actor{UserID: rev.ID, Name: "Dr Medical"}
		mustUser(t, s, "outsider@example.com", domain.RoleAssignment{Role: "medical_reviewer", Brand: "OTHER"})
		assetID := newTestAsset(t, s, author,
			domain.NewAsset{JobCode: "ZEL-9", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
		v := uploadText(t, s, author, assetID, 1, "ZELTRA reduced the risk of stroke by 35% compared with warfarin.")

		rect := domain.Rect{X: 0.1, Y: 0.2, W: 0.5, H: 0.05}
		root, err := s.AddAnnotation(ctx, reviewer, v.ID, domain.NewAnnotation{Page: 1, Rect: rect,
			Quote: "reduced the risk of stroke by 35%", Body: "Cite the primary end point. @medical@example.com @outsider@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if root.State != domain.AnnotationOpen || root.Anchor != domain.AnchorAnchored || root.Page != 1 || root.Rect != rect ||
			root.Author != "Some One" {
			t.Fatalf("new thread = %+v", root)
		}
		reply, err := s.AddAnnotation(ctx, author, v.ID, domain.NewAnnotation{ParentID: root.ID,
			Body: "Added the citation. @medical@example.com, please look again."})
		if err != nil {
			t.Fatal(err)
		}
		if reply.ID != root.ID || len(reply.Replies) != 1 || reply.Replies[0].Body != "Added the citation. @medical@example.com, please look again." {
			t.Fatalf("thread after reply = %+v", reply)
		}
		// The reviewer mentioned themself (no notice) and someone outside the
		// brand (no notice); the marketer's mention reaches the reviewer.
		var notes []notificationRow
		if err := s.db.Where("kind = ?", "comment_mention").Find(&notes).Error; err != nil {
			t.Fatal(err)
		}
		if len(notes) != 1 || notes[0].UserID != rev.ID {
			t.Fatalf("mention notifications = %+v, want one for the reviewer", notes)
		}
		if _, err := s.AddAnnotation(ctx, author, v.ID, domain.NewAnnotation{ParentID: "no-such-thread", Body: "x"}); domain.ErrorCode(err) !=
			domain.ENOTFOUND {
			t.Fatalf("reply to a missing thread: %v", err)
		}
		if n, err := s.OpenThreads(ctx, v.ID); err != nil || n != 1 {
			t.Fatalf("open threads = %d, %v", n, err)
		}
		resolved, err := s.SetAnnotationState(ctx, reviewer, root.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if resolved.State != domain.AnnotationResolved || resolved.ResolvedBy != "Some One" || resolved.ResolvedAt == nil {
			t.Fatalf("resolved = %+v", resolved)
		}
		if _, err := s.SetAnnotationState(ctx, reviewer, root.ID, true); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("resolving twice: %v", err)
		}
		if n, _ := s.OpenThreads(ctx, v.ID); n != 0 {
			t.Fatalf("open threads after resolve = %d", n)
		}
		reopened, err := s.SetAnnotationState(ctx, author, root.ID, false)
		if err != nil || reopened.State != domain.AnnotationOpen || reopened.ResolvedAt != nil {
			t.Fatalf("reopened = %+v, %v", reopened, err)
		}
		got := auditActions(t, s, "annotation")
		for _, a := range []string{"annotation.create", "annotation.reply", "annotation.resolve", "annotation.reopen"} {
			if got[a] != 1 {
				t.Errorf("audit %s recorded %d times, want 1 (all: %v)", a, got[a], got)
			}
		}
		if r := verify(t, s); !r.OK {
			t.Fatalf("audit chain: %+v", r)
		}
	})
}

func TestAnnotationsCarriedToNewVersion(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		u := mustUser(t, s, "marketer@example.com")
		author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
		assetID := newTestAsset(t, s, author,
			domain.NewAsset{JobCode: "ZEL-10", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
		v1 := uploadText(t, s, author, assetID, 1,
			"ZELTRA reduced the risk of stroke by 35% compared with warfarin.",
			"Important Safety Information: bleeding may occur. See full Prescribing Information.")
		add := func(page int, quote, body string) domain.Annotation {
			t.Helper()
			a, err := s.AddAnnotation(ctx, author, v1.ID, domain.NewAnnotation{Page: page, Rect: domain.Rect{X: 0.1, Y: 0.1, W: 0.2, H: 0.1},
				Quote: quote, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		kept := add(2, "bleeding may occur", "Bold this.")
		changed := add(1, "by 35% compared with warfarin", "Which study?")
		picture := add(1, "", "The logo is too small.")
		done := add(2, "See full Prescribing Information", "Link it.")
		if _, err := s.SetAnnotationState(ctx, author, done.ID, true); err != nil {
			t.Fatal(err)
		}

		// Version 2 moves the safety text to page 1 and changes the claim.
		v2 := uploadText(t, s, author, assetID, 2,
			"Important Safety Information: bleeding may occur. ZELTRA reduced the risk of stroke by 21% versus warfarin.",
			"See full Prescribing Information.")
		got, err := s.Annotations(ctx, v2.ID)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]domain.Annotation{}
		for _, a := range got {
			byID[a.ID] = a
		}
		if len(got) != 3 {
			t.Fatalf("carried %d threads, want the 3 open ones: %+v", len(got), got)
		}
		if a := byID[kept.ID]; a.Anchor != domain.AnchorAnchored || a.Page != 1 || a.CarriedFromVersion != 1 {
			t.Errorf("kept thread on v2 = %+v, want anchored on page 1, carried from version 1", a)
		}
		if a := byID[changed.ID]; a.Anchor != domain.AnchorTextChanged || a.Page != 1 {
			t.Errorf("changed thread on v2 = %+v, want text changed on page 1", a)
		}
		if a := byID[picture.ID]; a.Anchor != domain.AnchorAnchored || a.Page != 1 {
			t.Errorf("picture thread on v2 = %+v, want kept in place", a)
		}
		if _, ok := byID[done.ID]; ok {
			t.Error("a resolved thread was carried")
		}
		// Version 1's comments are closed; the threads continue on version 2.
		if _, err := s.AddAnnotation(ctx, author, v1.ID, domain.NewAnnotation{ParentID: kept.ID, Body: "late"}); domain.ErrorCode(err) !=
			domain.ECONFLICT {
			t.Fatalf("reply on a superseded version: %v", err)
		}
		if _, err := s.AddAnnotation(ctx, author, v2.ID, domain.NewAnnotation{ParentID: kept.ID, Body: "Bolded."}); err != nil {
			t.Fatal(err)
		}
		if v, err := s.AnnotationVersion(ctx, kept.ID); err != nil || v.ID != v2.ID {
			t.Fatalf("thread's newest version = %v, %v", v.ID, err)
		}
		if got := auditActions(t, s, "version"); got["annotation.carry"] != 1 {
			t.Fatalf("carry audited %d times", got["annotation.carry"])
		}
	})
}

func TestRenditionQueue(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		u := mustUser(t, s, "marketer@example.com")
		author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
		assetID := newTestAsset(t, s, author,
			domain.NewAsset{JobCode: "ZEL-11", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
		v := uploadText(t, s, author, assetID, 7, "One page.")
		now := time.Now()

		r, err := s.Rendition(ctx, v.SHA256, v.MediaType, now)
		if err != nil || r.Status != domain.RenditionPending || len(r.Pages) != 0 {
			t.Fatalf("new rendition = %+v, %v", r, err)
		}
		job, ok, err := s.ClaimRendition(ctx, now, time.Minute)
		if err != nil || !ok || job.SHA256 != v.SHA256 || job.ObjectKey != fmt.Sprintf("objects/aa/bb/%032x", 7) {
			t.Fatalf("claim = %+v %v %v", job, ok, err)
		}
		if _, ok, _ := s.ClaimRendition(ctx, now, time.Minute); ok {
			t.Fatal("a claimed rendition was claimed again before its lease ran out")
		}
		// The first claimant died; after the lease another instance takes it.
		if _, ok, _ := s.ClaimRendition(ctx, now.Add(2*time.Minute), time.Minute); !ok {
			t.Fatal("an expired claim was not taken up")
		}
		boxes := []domain.Rect{{X: 0.1, Y: 0.1, W: 0.02, H: 0.03}, {X: 0.12, Y: 0.1, W: 0.02, H: 0.03}}
		page := domain.RenditionPage{Number: 1, Width: 612, Height: 792,
			Image: domain.PageImage{Key: "renditions/00/x/page-0001.jpg", SHA256: "ab", Size: 3, MediaType: "image/jpeg", Width: 1237, Height: 1600},
			Thumb: domain.PageImage{Key: "renditions/00/x/thumb-0001.jpg", SHA256: "cd", Size: 2, MediaType: "image/jpeg", Width: 186, Height: 240}}
		if err := s.AddRenditionPage(ctx, v.SHA256, page, "Hi", domain.EncodeBoxes(boxes)); err != nil {
			t.Fatal(err)
		}
		// A second attempt records the same page again.
		if err := s.AddRenditionPage(ctx, v.SHA256, page, "Hi", domain.EncodeBoxes(boxes)); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Rendition(ctx, v.SHA256, v.MediaType, now); r.Status != domain.RenditionPending || len(r.Pages) != 1 {
			t.Fatalf("rendition with its first page = %+v", r)
		}
		if err := s.FinishRendition(ctx, v.SHA256, domain.RenditionReady, "", 1, now); err != nil {
			t.Fatal(err)
		}
		r, err = s.Rendition(ctx, v.SHA256, v.MediaType, now)
		if err != nil || r.Status != domain.RenditionReady || len(r.Pages) != 1 || r.Pages[0] != page {
			t.Fatalf("ready rendition = %+v, %v", r, err)
		}
		texts, err := s.PageTexts(ctx, v.SHA256)
		if err != nil || len(texts) != 1 || texts[0].Text != "Hi" || len(texts[0].Boxes) != 2 {
			t.Fatalf("page texts = %+v, %v", texts, err)
		}
		if known, _ := s.RenditionObjectKnown(ctx, "renditions/00/x/thumb-0001.jpg"); !known {
			t.Fatal("a recorded thumbnail is unknown to garbage collection")
		}
		if known, _ := s.RenditionObjectKnown(ctx, "renditions/00/x/thumb-0002.jpg"); known {
			t.Fatal("an unrecorded object is known")
		}
		if _, ok, _ := s.ClaimRendition(ctx, now.Add(time.Hour), time.Minute); ok {
			t.Fatal("a finished rendition was claimed")
		}
		// A damaged image sends the rendition back to the queue.
		if err := s.RedoRendition(ctx, v.SHA256, now); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimRendition(ctx, now, time.Minute); !ok {
			t.Fatal("a rendition to redo was not claimed")
		}
	})
}

func TestRenditionGivenUpAfterRepeatedCrashes(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		u := mustUser(t, s, "marketer@example.com")
		author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
		assetID := newTestAsset(t, s, author,
			domain.NewAsset{JobCode: "ZEL-12", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
		v := uploadText(t, s, author, assetID, 8, "One page.")
		now := time.Now()
		for i := range renditionMaxAttempts {
			if _, ok, err := s.ClaimRendition(ctx, now.Add(time.Duration(i)*time.Hour), time.Minute); !ok || err != nil {
				t.Fatalf("claim %d: %v %v", i+1, ok, err)
			}
		}
		if _, ok, err := s.ClaimRendition(ctx, now.Add(10*time.Hour), time.Minute); ok || err != nil {
			t.Fatalf("claim after %d crashes: %v %v", renditionMaxAttempts, ok, err)
		}
		r, err := s.Rendition(ctx, v.SHA256, v.MediaType, now)
		if err != nil || r.Status != domain.RenditionFailed || r.Reason == "" {
			t.Fatalf("rendition after repeated crashes = %+v, %v", r, err)
		}
	})
}
