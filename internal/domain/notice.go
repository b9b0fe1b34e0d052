package domain

import (
	"fmt"
	"time"
)

// SupersededNoticeMessage is what a rep who fetched a version reads when a
// newer version of the same piece is published: not a retirement, since the
// piece stays in the field, but their copy is out of date and must be
// replaced by the new version from the library. A newer version embargoed
// to a later availability date is named with that date: until then the rep
// has no version to use.
func SupersededNoticeMessage(newNumber int, availableFrom, now time.Time) string {
	if availableFrom.After(now) {
		return fmt.Sprintf(
			"Replaced: version %d replaces the copy you fetched and is available in the library from %s UTC. Stop using the old one now.",
			newNumber,
			availableFrom.UTC().Format("2 January 2006 15:04"),
		)
	}
	return fmt.Sprintf(
		"Updated version available: version %d replaces the copy you fetched. "+
			"Download the new version from the library and stop using the old one.",
		newNumber,
	)
}
