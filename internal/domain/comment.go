package domain

import "time"

// Comment is a review comment on a version.
type Comment struct {
	ID            string    `json:"id"`
	VersionID     string    `json:"version_id"`
	VersionNumber int       `json:"version_number"`
	AuthorID      string    `json:"author_id"`
	Author        string    `json:"author"`
	Page          int       `json:"page"`
	Body          string    `json:"body"`
	CreatedAt     time.Time `json:"created_at"`
}
