package domain

import "fmt"

// SupersededNoticeMessage is what a rep who fetched a version reads when a
// newer version of the same piece is published: not a retirement, since the
// piece stays in the field, but their copy is out of date and must be
// replaced by the new version from the library.
func SupersededNoticeMessage(newNumber int) string {
	return fmt.Sprintf("Updated version available: version %d replaces the copy you fetched. Download the new version from the library and stop using the old one.", newNumber)
}
