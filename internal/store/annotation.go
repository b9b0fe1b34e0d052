package store

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type annotationRow struct {
	ID         string `gorm:"primaryKey"`
	AssetID    string
	VersionID  string
	ParentID   *string
	AuthorID   string
	Page       int
	RectX      float64
	RectY      float64
	RectW      float64
	RectH      float64
	Quote      string
	Body       string
	State      string
	ResolvedBy *string
	ResolvedAt *time.Time
	CreatedAt  time.Time
}

func (annotationRow) TableName() string { return "annotations" }

type anchorRow struct {
	AnnotationID string `gorm:"primaryKey"`
	VersionID    string `gorm:"primaryKey"`
	Page         int
	RectX        float64
	RectY        float64
	RectW        float64
	RectH        float64
	Status       string
}

func (anchorRow) TableName() string { return "annotation_anchors" }

func anchorOf(id, versionID string, page int, r domain.Rect, status string) anchorRow {
	return anchorRow{AnnotationID: id, VersionID: versionID, Page: page, RectX: r.X, RectY: r.Y, RectW: r.W, RectH: r.H, Status: status}
}

// commentsOpen refuses a change to the comments of v unless v is the
// newest version of its asset and its review round has not closed: comments
// on a version are a record once a decision or a newer version closes it.
func (tx *Tx) commentsOpen(v domain.Version) error {
	var latest string
	if err := tx.db.Table("assets").Select("COALESCE(latest_version_id, '')").Where("id = ?", v.AssetID).Scan(&latest).Error; err != nil {
		return err
	}
	if latest != v.ID {
		return domain.Errorf(domain.ECONFLICT,
			"Version %d has a newer version: its comments are closed. Comment on the newest version, where open threads were carried.",
			v.Number)
	}
	if !v.TakesComments() {
		return domain.Errorf(domain.ECONFLICT, "The review of version %d is closed: its comments can no longer change.", v.Number)
	}
	return nil
}

// mentionPattern finds "@" followed by an e-mail address in a comment.
var mentionPattern = regexp.MustCompile(`(?:^|[\s(,;])@([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})`)

// notifyMentions tells every active user mentioned in body who works on
// brand (or on all brands) that they were mentioned, with a link to the
// thread, except the author.
func (tx *Tx) notifyMentions(actor domain.Actor, v domain.Version, threadID, body string) ([]string, error) {
	var keys []string
	for _, m := range mentionPattern.FindAllStringSubmatch(body, 20) {
		keys = append(keys, domain.NormalizeEmail(m[1]))
	}
	if len(keys) == 0 {
		return nil, nil
	}
	var ids []string
	err := tx.db.Table("users").Distinct("users.id").
		Joins("JOIN role_assignments ra ON ra.user_id = users.id AND (ra.brand = ? OR ra.brand = '*')", v.Brand).
		Where("users.email_key IN ? AND NOT users.disabled AND users.id <> ?", keys, actor.UserID).Pluck("users.id", &ids).Error
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := tx.db.Create(&notificationRow{ID: newID(), UserID: id, Kind: "comment_mention",
			Subject: actor.Name + " mentioned you in a comment on version " + strconv.Itoa(v.Number),
			Link:    "/versions/" + v.ID + "#thread-" + threadID, CreatedAt: tx.now}).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// AddAnnotation records a comment on a version: a new thread pinned to a
// page region, or a reply to a thread anchored on the version. Both are
// audited, and mentioned users are notified, in the same transaction.
func (s *Store) AddAnnotation(ctx context.Context, actor domain.Actor, versionID string, in domain.NewAnnotation) (domain.Annotation, error) {
	var id string
	err := s.InTx(ctx, func(tx *Tx) error {
		v, err := tx.version(versionID)
		if err != nil {
			return err
		}
		if err := tx.commentsOpen(v); err != nil {
			return err
		}
		row := annotationRow{ID: newID(), AssetID: v.AssetID, VersionID: v.ID, AuthorID: actor.UserID, Body: in.Body,
			State: domain.AnnotationOpen, CreatedAt: tx.now}
		action, details := "annotation.create", map[string]any{"version_number": v.Number, "body": in.Body}
		if in.ParentID != "" {
			var anchored int64
			if err := tx.db.Model(&anchorRow{}).Where("annotation_id = ? AND version_id = ?", in.ParentID, v.ID).
				Count(&anchored).Error; err != nil {
				return err
			}
			if anchored == 0 {
				return domain.Errorf(domain.ENOTFOUND, "No such comment thread on this version.")
			}
			row.ParentID, row.State = &in.ParentID, ""
			action, details["thread_id"] = "annotation.reply", in.ParentID
		} else {
			row.Page, row.RectX, row.RectY, row.RectW, row.RectH, row.Quote = in.Page, in.Rect.X, in.Rect.Y, in.Rect.W, in.Rect.H, in.Quote
			details["page"], details["rect"], details["quote"] = in.Page, in.Rect, in.Quote
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		if in.ParentID == "" {
			a := anchorOf(row.ID, v.ID, in.Page, in.Rect, domain.AnchorAnchored)
			if err := tx.db.Create(&a).Error; err != nil {
				return err
			}
		}
		thread := row.ID
		if in.ParentID != "" {
			thread = in.ParentID
		}
		mentioned, err := tx.notifyMentions(actor, v, thread, in.Body)
		if err != nil {
			return err
		}
		if len(mentioned) > 0 {
			details["mentioned_user_ids"] = mentioned
		}
		id = thread
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: action, ObjectType: "annotation", ObjectID: row.ID, Brand: v.Brand,
			Details: details})
	})
	if err != nil {
		return domain.Annotation{}, err
	}
	return s.annotation(ctx, versionID, id)
}

// AnnotationVersion returns the newest version a thread is anchored on,
// the one its replies, resolution and reopening go to.
func (s *Store) AnnotationVersion(ctx context.Context, id string) (domain.Version, error) {
	var versionID string
	err := s.db.WithContext(ctx).Table("annotation_anchors").Select("annotation_anchors.version_id").
		Joins("JOIN versions ON versions.id = annotation_anchors.version_id").
		Where("annotation_anchors.annotation_id = ?", id).Order("versions.number DESC").Limit(1).Scan(&versionID).Error
	if err != nil {
		return domain.Version{}, translate(err)
	}
	if versionID == "" {
		return domain.Version{}, domain.Errorf(domain.ENOTFOUND, "No such comment thread.")
	}
	return s.Version(ctx, versionID)
}

// SetAnnotationState resolves (resolved true) or reopens a thread on the
// newest version it is anchored on, audited.
func (s *Store) SetAnnotationState(ctx context.Context, actor domain.Actor, id string, resolved bool) (domain.Annotation, error) {
	var versionID string
	err := s.InTx(ctx, func(tx *Tx) error {
		var row annotationRow
		if err := tx.forUpdate(tx.db, "").Where("id = ? AND parent_id IS NULL", id).Take(&row).Error; err != nil {
			return notFound(err, "No such comment thread.")
		}
		var vid string
		if err := tx.db.Table("annotation_anchors").Select("annotation_anchors.version_id").
			Joins("JOIN versions ON versions.id = annotation_anchors.version_id").
			Where("annotation_anchors.annotation_id = ?", id).Order("versions.number DESC").Limit(1).Scan(&vid).Error; err != nil {
			return err
		}
		v, err := tx.version(vid)
		if err != nil {
			return err
		}
		if err := tx.commentsOpen(v); err != nil {
			return err
		}
		versionID = v.ID
		changes, action := map[string]any{"state": domain.AnnotationOpen, "resolved_by": nil, "resolved_at": nil}, "annotation.reopen"
		if resolved {
			changes, action = map[string]any{"state": domain.AnnotationResolved, "resolved_by": actor.UserID, "resolved_at": tx.now},
				"annotation.resolve"
		}
		want := domain.AnnotationResolved
		if resolved {
			want = domain.AnnotationOpen
		}
		if row.State != want {
			return domain.Errorf(domain.ECONFLICT, "The thread is already %s.", row.State)
		}
		if err := tx.db.Model(&annotationRow{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return err
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: action, ObjectType: "annotation", ObjectID: id, Brand: v.Brand,
			Details: map[string]any{"version_id": v.ID, "version_number": v.Number, "quote": row.Quote}})
	})
	if err != nil {
		return domain.Annotation{}, err
	}
	return s.annotation(ctx, versionID, id)
}

func (s *Store) annotation(ctx context.Context, versionID, id string) (domain.Annotation, error) {
	all, err := s.Annotations(ctx, versionID)
	if err != nil {
		return domain.Annotation{}, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return domain.Annotation{}, domain.Errorf(domain.ENOTFOUND, "No such comment thread.")
}

// Annotations returns the threads anchored on a version, oldest first,
// each with its replies (from every version) and where it sits on this
// version. Rects holds the anchor's rectangle; callers with the page's
// character boxes refine it.
func (s *Store) Annotations(ctx context.Context, versionID string) ([]domain.Annotation, error) {
	var rows []struct {
		ID, VersionID, AuthorID, Quote, Body, State string
		ResolvedAt                                  *time.Time
		CreatedAt                                   time.Time
		AnchorPage, VersionNumber                   int
		AX, AY, AW, AH                              float64
		AnchorStatus, AuthorName, ResolverName      string
	}
	err := s.db.WithContext(ctx).Table("annotation_anchors an").
		Select("annotations.id, annotations.version_id, annotations.author_id, annotations.quote, annotations.body, "+
			"annotations.state, annotations.resolved_at, annotations.created_at, "+
			"an.page AS anchor_page, an.rect_x AS ax, an.rect_y AS ay, an.rect_w AS aw, an.rect_h AS ah, "+
			"an.status AS anchor_status, au.display_name AS author_name, COALESCE(ru.display_name, '') AS resolver_name, "+
			"v.number AS version_number").
		Joins("JOIN annotations ON annotations.id = an.annotation_id").
		Joins("JOIN users au ON au.id = annotations.author_id").
		Joins("LEFT JOIN users ru ON ru.id = annotations.resolved_by").
		Joins("JOIN versions v ON v.id = annotations.version_id").
		Where("an.version_id = ?", versionID).Order("annotations.created_at, annotations.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Annotation, 0, len(rows))
	index := map[string]int{}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		rect := domain.Rect{X: r.AX, Y: r.AY, W: r.AW, H: r.AH}
		a := domain.Annotation{
			ID: r.ID, VersionID: r.VersionID, VersionNumber: r.VersionNumber, Page: r.AnchorPage, Rect: rect, Quote: r.Quote,
			Body: r.Body, AuthorID: r.AuthorID, Author: r.AuthorName, CreatedAt: r.CreatedAt, State: r.State,
			ResolvedBy: r.ResolverName, ResolvedAt: r.ResolvedAt, Anchor: r.AnchorStatus, Rects: []domain.Rect{rect}, QuoteStart: -1, QuoteEnd: -1,
			Replies: []domain.AnnotationReply{},
		}
		if r.VersionID != versionID {
			a.CarriedFromVersion = r.VersionNumber
		}
		index[r.ID] = len(out)
		ids = append(ids, r.ID)
		out = append(out, a)
	}
	if len(ids) == 0 {
		return out, nil
	}
	var replies []struct {
		ID, ParentID, Body, AuthorID, AuthorName string
		CreatedAt                                time.Time
	}
	for chunk := range slices.Chunk(ids, maxBoundParams(s.dialect)) {
		var part []struct {
			ID, ParentID, Body, AuthorID, AuthorName string
			CreatedAt                                time.Time
		}
		if err := s.db.WithContext(ctx).Table("annotations").
			Select("annotations.id, annotations.parent_id, annotations.body, annotations.author_id, annotations.created_at, "+
				"users.display_name AS author_name").
			Joins("JOIN users ON users.id = annotations.author_id").
			Where("annotations.parent_id IN ?", chunk).Order("annotations.created_at, annotations.id").Scan(&part).Error; err != nil {
			return nil, translate(err)
		}
		replies = append(replies, part...)
	}
	for _, r := range replies {
		a := &out[index[r.ParentID]]
		a.Replies = append(a.Replies, domain.AnnotationReply{ID: r.ID, Body: r.Body, AuthorID: r.AuthorID, Author: r.AuthorName,
			CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// OpenThreads counts the open comment threads anchored on a version.
func (s *Store) OpenThreads(ctx context.Context, versionID string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("annotation_anchors an").Joins("JOIN annotations a ON a.id = an.annotation_id").
		Where("an.version_id = ? AND a.state = ?", versionID, domain.AnnotationOpen).Count(&n).Error
	return int(n), translate(err)
}

// carryThreads anchors the open threads of the asset's previous newest
// version on its new version nv, in the upload's transaction: where a
// thread's quoted text is found in the new text it is anchored there,
// otherwise it stays on its page marked "text changed". Threads without a
// quote (a region of a picture) keep their place.
func (tx *Tx) carryThreads(previousID string, nv versionRow, brand string, actor domain.Actor, lines []byte) error {
	var anchors []struct {
		AnnotationID, Quote        string
		Page                       int
		RectX, RectY, RectW, RectH float64
	}
	if err := tx.db.Table("annotation_anchors an").
		Select("an.annotation_id, an.page, an.rect_x, an.rect_y, an.rect_w, an.rect_h, a.quote").
		Joins("JOIN annotations a ON a.id = an.annotation_id").
		Where("an.version_id = ? AND a.state = ?", previousID, domain.AnnotationOpen).Order("a.created_at, a.id").
		Scan(&anchors).Error; err != nil {
		return err
	}
	if len(anchors) == 0 {
		return nil
	}
	var tl []domain.TextLine
	_ = json.Unmarshal(lines, &tl) // no lines: no quote is found, every thread is marked changed
	pages := domain.PagesFromLines(tl)
	carried := make([]map[string]any, 0, len(anchors))
	for _, a := range anchors {
		rect := domain.Rect{X: a.RectX, Y: a.RectY, W: a.RectW, H: a.RectH}
		page, status := a.Page, domain.AnchorAnchored
		if a.Quote != "" {
			if p, _, _, ok := domain.Locate(pages, a.Quote, a.Page); ok {
				page = p
			} else {
				status = domain.AnchorTextChanged
			}
		}
		if nv.Pages > 0 && page > nv.Pages {
			page = nv.Pages
		}
		row := anchorOf(a.AnnotationID, nv.ID, page, rect, status)
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		carried = append(carried, map[string]any{"thread_id": a.AnnotationID, "page": page, "anchor": status})
	}
	return tx.Audit(domain.AuditEntry{Actor: actor, Action: "annotation.carry", ObjectType: "version", ObjectID: nv.ID, Brand: brand,
		Details: map[string]any{"from_version_id": previousID, "number": nv.Number, "threads": carried}})
}
