package domain

// ActionObjectCorrupt is the audit action written when a stored file is found
// not to match the hashes recorded at upload (by a download, the scrub or
// the backfill), in the same transaction that marks it corrupt.
const ActionObjectCorrupt = "object.integrity_failure"

// ActionObjectRestored is the audit action written when an administrator
// puts back the original bytes of a corrupt stored file and it is served
// again.
const ActionObjectRestored = "object.restored"

// NotificationObjectCorrupt is the kind of the in-app notification every
// administrator gets for a corrupt stored file.
const NotificationObjectCorrupt = "object_integrity_failure"

// IntegrityFailure is the error for a request whose stored file no longer
// matches what was approved. It is the same for every version sharing the
// file and stays until an administrator restores it: retrying does not help,
// and the message says so without naming storage details.
func IntegrityFailure() *Error {
	return &Error{
		Code:    EINTEGRITY,
		Message: "The stored file no longer matches what was approved, so it is not served; administrators have been told.",
	}
}
