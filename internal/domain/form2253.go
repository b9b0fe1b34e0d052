package domain

import "time"

// DisseminationDate is the "date of initial dissemination" on FDA Form
// 2253: the first day reps could use the piece. A piece published under
// embargo is disseminated when it becomes available, not when it was
// published, so availableFrom wins when it is later than publishedAt. It
// returns "" for a piece never published.
func DisseminationDate(publishedAt, availableFrom *time.Time) string {
	if publishedAt == nil {
		return ""
	}
	first := *publishedAt
	if availableFrom != nil && availableFrom.After(first) {
		first = *availableFrom
	}
	return first.UTC().Format(time.DateOnly)
}
