package domain

import (
	"fmt"
	"time"
)

// Annotation states: a thread is open until someone resolves it, and can be
// reopened.
const (
	AnnotationOpen     = "open"
	AnnotationResolved = "resolved"
)

// Anchor states: where a thread sits on a version. A thread carried to a new
// version is "anchored" where its quoted text was found again, and "text
// changed" on the page it was on when the text is gone.
const (
	AnchorAnchored    = "anchored"
	AnchorTextChanged = "text_changed"
)

// TakesComments reports whether comments on v may still change: while it
// is a draft or in review. Once a decision closes its round (or a newer
// version supersedes it), its comments are a record.
func (v Version) TakesComments() bool { return v.State == StateDraft || v.State == StateInReview }

// Annotation is a comment thread pinned to a region of a page of a version,
// with its replies. Rect is in fractions of the displayed page; Quote is the
// text under it, if any. Rects is where the quote is on this version's page
// image (from the rendition's character boxes), or Rect alone.
type Annotation struct {
	ID            string     `json:"id"`
	VersionID     string     `json:"version_id"`
	VersionNumber int        `json:"version_number"`
	Page          int        `json:"page"`
	Rect          Rect       `json:"rect"`
	Quote         string     `json:"quote"`
	Body          string     `json:"body"`
	AuthorID      string     `json:"author_id"`
	Author        string     `json:"author"`
	CreatedAt     time.Time  `json:"created_at"`
	State         string     `json:"state"`
	ResolvedBy    string     `json:"resolved_by,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	Anchor        string     `json:"anchor"`
	Rects         []Rect     `json:"rects"`
	// QuoteStart and QuoteEnd are the quote's character (rune) offsets in
	// the text of Page of this version's rendition, -1 when it is not found
	// there.
	QuoteStart         int               `json:"quote_start"`
	QuoteEnd           int               `json:"quote_end"`
	CarriedFromVersion int               `json:"carried_from_version,omitempty"`
	Replies            []AnnotationReply `json:"replies"`
}

// Resolution says how a thread stands, for records: open or resolved by
// whom and when, where it started and whether its text changed.
func (a Annotation) Resolution() string {
	s := "open"
	if a.State == AnnotationResolved && a.ResolvedAt != nil {
		s = fmt.Sprintf("resolved by %s on %s UTC", a.ResolvedBy, a.ResolvedAt.UTC().Format("2006-01-02 15:04"))
	}
	if a.CarriedFromVersion > 0 {
		s += fmt.Sprintf(", started on version %d", a.CarriedFromVersion)
	}
	if a.Anchor == AnchorTextChanged {
		s += ", its text changed since"
	}
	return s
}

// AnnotationReply is an answer in a thread.
type AnnotationReply struct {
	ID        string    `json:"id"`
	Body      string    `json:"body"`
	AuthorID  string    `json:"author_id"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// NewAnnotation is a comment about to be recorded: a new thread (ParentID
// empty) pinned to Page and Rect, or a reply to the thread ParentID.
type NewAnnotation struct {
	Page     int
	Rect     Rect
	Quote    string
	Body     string
	ParentID string
}

// ThreadStatus says what became of a thread's text in a newer version:
// ThreadAddressed, ThreadOpen or ThreadRemoved.
type ThreadStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Page   int    `json:"page"`
	Quote  string `json:"quote"`
	Body   string `json:"body"`
	State  string `json:"state"`
}

// Rendition states of a version's page images.
const (
	RenditionPending  = "pending"
	RenditionReady    = "ready"
	RenditionFailed   = "failed"
	RenditionTextOnly = "text_only"
)

// Rendition is the page images of a content object (one per distinct
// content, shared by versions with identical bytes).
type Rendition struct {
	SHA256    string
	MediaType string
	Status    string
	Reason    string
	Pages     []RenditionPage
}

// RenditionPage is one rendered page: its size in points as displayed, and
// the stored screen image and thumbnail with their hashes.
type RenditionPage struct {
	Number        int
	Width, Height float64
	Image, Thumb  PageImage
}

// PageImage is one stored image of a page.
type PageImage struct {
	Key           string
	SHA256        string
	Size          int64
	MediaType     string
	Width, Height int
}
