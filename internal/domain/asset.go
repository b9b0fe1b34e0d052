package domain

import (
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Audience is who a piece is written for.
type Audience string

// Audiences a piece is written for.
const (
	AudienceHCP     Audience = "hcp"
	AudiencePatient Audience = "patient"
	AudiencePayer   Audience = "payer"
)

// Audiences lists every audience.
var Audiences = []Audience{AudienceHCP, AudiencePatient, AudiencePayer}

// Channel is how a piece reaches its audience.
type Channel string

// Channels a piece is used in.
const (
	ChannelDetailAid   Channel = "detail_aid"
	ChannelLeaveBehind Channel = "leave_behind"
	ChannelEmail       Channel = "email"
	ChannelWeb         Channel = "web"
	ChannelVideo       Channel = "video"
	ChannelPrintAd     Channel = "print_ad"
	ChannelSlideDeck   Channel = "slide_deck"
)

// Channels lists every channel.
var Channels = []Channel{ChannelDetailAid, ChannelLeaveBehind, ChannelEmail, ChannelWeb, ChannelVideo, ChannelPrintAd, ChannelSlideDeck}

// Asset is one promotional piece, e.g. "ZELTRA HCP detail aid". Its content
// lives in versions.
type Asset struct {
	ID            string    `json:"id"`
	JobCode       string    `json:"job_code"`
	Title         string    `json:"title"`
	Brand         string    `json:"brand"`
	Audience      Audience  `json:"audience"`
	Channel       Channel   `json:"channel"`
	Tags          []string  `json:"tags"`
	OwnerID       string    `json:"owner_id"`
	Owner         string    `json:"owner"`
	LatestVersion *Version  `json:"latest_version,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// NewAsset is the input for creating an asset.
type NewAsset struct {
	JobCode  string   `json:"job_code"`
	Title    string   `json:"title"`
	Brand    string   `json:"brand"`
	Audience Audience `json:"audience"`
	Channel  Channel  `json:"channel"`
	Tags     []string `json:"tags"`
}

// Validate normalizes the input and checks every field.
func (a *NewAsset) Validate() error {
	a.JobCode = strings.TrimSpace(a.JobCode)
	a.Title = strings.Join(strings.Fields(a.Title), " ")
	a.Brand = strings.TrimSpace(a.Brand)
	a.Tags = NormalizeTags(a.Tags)
	var v Validation
	v.Check(
		validJobCode(a.JobCode),
		"job_code",
		"Use 3-64 letters, digits, -, _, / or . (the material ID printed on the piece), e.g. ZEL-HCP-0042.",
	)
	v.Check(
		a.Title != "" && utf8.RuneCountInString(a.Title) <= 200 && !strings.ContainsFunc(a.Title, isControl),
		"title",
		"Enter a title of up to 200 characters.",
	)
	v.Check(ValidBrandCode(a.Brand), "brand", "Choose a brand.")
	v.Check(slices.Contains(Audiences, a.Audience), "audience", "Choose hcp, patient or payer.")
	v.Check(slices.Contains(Channels, a.Channel), "channel", "Choose detail_aid, leave_behind, email, web, video, print_ad or slide_deck.")
	okTags := len(a.Tags) <= 20
	for _, t := range a.Tags {
		okTags = okTags && len(t) <= 40
	}
	v.Check(okTags, "tags", "Use at most 20 tags of up to 40 characters.")
	return v.Err()
}

func validJobCode(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_/.", r))) {
			return false
		}
	}
	return true
}

// NormalizeTags lower-cases, trims and de-duplicates tags, keeping order.
func NormalizeTags(in []string) []string {
	out := []string{}
	for _, t := range in {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// State is a version's place in its lifecycle.
type State string

// Version states; see the lifecycle in PRODUCT.md.
const (
	StateDraft            State = "draft"
	StateInReview         State = "in_review"
	StateChangesRequested State = "changes_requested"
	StateRejected         State = "rejected"
	StateApproved         State = "approved"
	StatePublished        State = "published"
	StateExpired          State = "expired"
	StateWithdrawn        State = "withdrawn"
	StateSuperseded       State = "superseded"
)

// States lists every version state.
var States = []State{
	StateDraft,
	StateInReview,
	StateChangesRequested,
	StateRejected,
	StateApproved,
	StatePublished,
	StateExpired,
	StateWithdrawn,
	StateSuperseded,
}

// Text extraction outcomes stored with a version.
const (
	TextOK            = "ok"             // text was extracted
	TextEmpty         = "empty"          // the file holds no extractable text
	TextFailed        = "failed"         // the file could not be read; see TextError
	TextNotApplicable = "not_applicable" // images and video
)

// Version is an immutable file of an asset. Its bytes, hash and metadata
// never change after upload; only its lifecycle state moves.
type Version struct {
	ID         string    `json:"id"`
	AssetID    string    `json:"asset_id"`
	Number     int       `json:"number"`
	State      State     `json:"state"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	Filename   string    `json:"filename"`
	Pages      int       `json:"pages"`
	TextStatus string    `json:"text_status"`
	TextError  string    `json:"text_error,omitempty"`
	UploadedBy string    `json:"uploaded_by"`
	Uploader   string    `json:"uploader"`
	CreatedAt  time.Time `json:"created_at"`
	ObjectKey  string    `json:"-"`
	// Brand is the brand of the version's asset, which decides who may see
	// the version. It is not shown: clients read it from the asset.
	Brand string `json:"-"`
}

// SanitizeFilename turns a client-supplied file name into a safe display and
// download name: the last path element only (either slash), no control or
// reserved characters, no leading dots, at most 200 bytes with the extension
// kept, and "file" when nothing usable is left. The result is never used to
// build a storage path.
func SanitizeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "") {
		switch {
		case r == '\t' || r == ' ' || r == '\u00a0':
			b.WriteRune(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufeff' ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			// control and bidirectional-override characters disguise names
		case strings.ContainsRune(`<>:"|?*;`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Join(strings.Fields(b.String()), " ")
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		stem := name[:200-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = strings.TrimRight(stem, ". ") + ext
	}
	if name == "" {
		return "file"
	}
	return name
}

// AssetFilter selects assets for listing. Brands limits the result to the
// brands the caller may see unless AllBrands is set.
type AssetFilter struct {
	AllBrands bool
	Brands    []string
	Brand     string
	State     State
	Audience  Audience
	Channel   Channel
	Tag       string
	Query     string
	Cursor    string
	Limit     int
}

// AssetPage is one page of a listing; NextCursor is "" on the last page.
type AssetPage struct {
	Assets     []Asset `json:"assets"`
	NextCursor string  `json:"next_cursor"`
}

// ActionItem is an asset of an owner whose latest version waits for them.
type ActionItem struct {
	AssetID   string     `json:"asset_id"`
	JobCode   string     `json:"job_code"`
	Title     string     `json:"title"`
	State     State      `json:"state"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}
