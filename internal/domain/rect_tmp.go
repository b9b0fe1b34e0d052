package domain

// Rect is a region of a page in fractions of its displayed size.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// PageText is the text of one page with a box per rune.
type PageText struct {
	Page  int
	Text  string
	Boxes []Rect
}

// TextChange is one difference between two versions' texts.
type TextChange struct {
	Kind     string `json:"kind"`
	Page     int    `json:"page"`
	Old      string `json:"old"`
	New      string `json:"new"`
	Rects    []Rect `json:"rects"`
	OldPage  int    `json:"old_page"`
	OldRects []Rect `json:"old_rects"`
}
