package store

import (
	"context"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Session kinds: a browser's cookie session or an API bearer token.
const (
	SessionWeb = "web"
	SessionAPI = "api"
)

type sessionRow struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     string
	Kind       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	ClientIP   string
	UserAgent  string
}

func (sessionRow) TableName() string { return "sessions" }

// Session is a signed-in browser or API client. Only the hash of its secret
// token is stored, so a copy of the database cannot be used to sign in.
type Session struct {
	TokenHash  string
	UserID     string
	Kind       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// GrantsVersion is the role assignments' version, read by SessionUser
	// in the same statement (see GrantsVersion).
	GrantsVersion int64
}

type loginAttemptRow struct {
	ID          int64 `gorm:"primaryKey"`
	EmailKey    string
	ClientIP    string
	Succeeded   bool
	AttemptedAt time.Time
}

func (loginAttemptRow) TableName() string { return "login_attempts" }

// LoginOutcome records one sign-in attempt: the attempt row used for
// throttling, its audit event and, on success, the new session, all in one
// transaction.
type LoginOutcome struct {
	Email     string
	ClientIP  string
	UserAgent string
	User      *domain.User // nil when the e-mail matched no user
	Succeeded bool
	Reason    string   // why it failed: bad_credentials, disabled, throttled
	Session   *Session // the session to create on success
	RequestID string
}

// RecordLogin stores a login attempt with its audit event and, on success,
// the session. Failed attempts are audited like successful ones.
func (s *Store) RecordLogin(ctx context.Context, o LoginOutcome) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.db.Create(&loginAttemptRow{EmailKey: domain.NormalizeEmail(o.Email), ClientIP: o.ClientIP, Succeeded: o.Succeeded, AttemptedAt: tx.now}).Error; err != nil {
			return err
		}
		actor := domain.Actor{Name: o.Email, ClientIP: o.ClientIP, RequestID: o.RequestID}
		objectID := ""
		if o.User != nil {
			actor.UserID, actor.Name, objectID = o.User.ID, o.User.DisplayName, o.User.ID
		}
		details := map[string]any{"email": o.Email, "user_agent": truncate(o.UserAgent, 200)}
		action := "auth.login"
		if !o.Succeeded {
			action = "auth.login_failed"
			details["reason"] = o.Reason
		}
		if o.Session != nil && o.Succeeded {
			details["kind"] = o.Session.Kind
			row := sessionRow{
				TokenHash: o.Session.TokenHash, UserID: o.Session.UserID, Kind: o.Session.Kind,
				CreatedAt: tx.now, LastSeenAt: tx.now, ExpiresAt: o.Session.ExpiresAt.UTC(),
				ClientIP: o.ClientIP, UserAgent: truncate(o.UserAgent, 500),
			}
			if err := tx.db.Create(&row).Error; err != nil {
				return err
			}
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: action, ObjectType: "user", ObjectID: objectID, Details: details})
	})
}

// RecentFailures counts failed logins since the given time for the account
// (only those after its latest successful login, so that a user who finally
// typed the right password starts afresh) and for the client address, for
// throttling.
func (s *Store) RecentFailures(ctx context.Context, email, clientIP string, since time.Time) (byAccount, byAddress int64, err error) {
	key := domain.NormalizeEmail(email)
	var last []loginAttemptRow
	if err = s.db.WithContext(ctx).Where("email_key = ? AND succeeded = ? AND attempted_at >= ?", key, true, since.UTC()).
		Order("attempted_at DESC").Limit(1).Find(&last).Error; err != nil {
		return 0, 0, translate(err)
	}
	accountSince := since.UTC()
	if len(last) == 1 && last[0].AttemptedAt.After(accountSince) {
		accountSince = last[0].AttemptedAt.UTC()
	}
	db := s.db.WithContext(ctx).Model(&loginAttemptRow{})
	if err = db.Where("email_key = ? AND succeeded = ? AND attempted_at >= ? AND id > ?", key, false, accountSince, lastID(last)).Count(&byAccount).Error; err != nil {
		return 0, 0, translate(err)
	}
	db = s.db.WithContext(ctx).Model(&loginAttemptRow{})
	if err = db.Where("client_ip = ? AND succeeded = ? AND attempted_at >= ?", clientIP, false, since.UTC()).Count(&byAddress).Error; err != nil {
		return 0, 0, translate(err)
	}
	return byAccount, byAddress, nil
}

// SessionUser returns the live session with tokenHash and its user. An
// unknown, expired or revoked session, or a disabled user, is EUNAUTH.
//
// Every authenticated request asks this, so it is one statement: the
// session joined with its user and the user's roles, one row per role, and
// the grants version for the authorizer's Sync.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (Session, domain.User, error) {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT users.id, users.email, users.email_key, users.display_name, users.password_hash, users.disabled,
			users.password_changed_at, users.created_at, users.updated_at,
			sessions.token_hash, sessions.kind, sessions.created_at, sessions.last_seen_at, sessions.expires_at,
			r.role, r.brand, (SELECT version FROM grants_version WHERE id = 1)
		FROM sessions JOIN users ON users.id = sessions.user_id
		LEFT JOIN role_assignments r ON r.user_id = users.id
		WHERE sessions.token_hash = ? AND sessions.expires_at > ?
		ORDER BY r.brand, r.role`, tokenHash, now.UTC()).Rows()
	if err != nil {
		return Session{}, domain.User{}, translate(err)
	}
	defer rows.Close()
	// Read field by field: this runs on every request, and GORM's
	// reflective scan cost more than the statement's round trip.
	var (
		u     userRow
		sess  Session
		roles []domain.RoleAssignment
		found bool
	)
	for rows.Next() {
		var role, brand *string
		if err := rows.Scan(&u.ID, &u.Email, &u.EmailKey, &u.DisplayName, &u.PasswordHash, &u.Disabled,
			&u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt,
			&sess.TokenHash, &sess.Kind, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &role, &brand, &sess.GrantsVersion); err != nil {
			return Session{}, domain.User{}, translate(err)
		}
		found = true
		if role != nil && brand != nil {
			roles = append(roles, domain.RoleAssignment{Role: domain.Role(*role), Brand: *brand})
		}
	}
	if err := rows.Err(); err != nil {
		return Session{}, domain.User{}, translate(err)
	}
	switch {
	case !found:
		return Session{}, domain.User{}, domain.Errorf(domain.EUNAUTH, "Your session has ended; sign in again.")
	case u.Disabled:
		return Session{}, domain.User{}, domain.Errorf(domain.EUNAUTH, "Your account is disabled.")
	}
	sess.UserID = u.ID
	return sess, u.domain(roles), nil
}

// TouchSession records activity on a session and moves its expiry, for
// sliding idle timeouts of web sessions.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, now, expiresAt time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("token_hash = ?", tokenHash).
		Updates(map[string]any{"last_seen_at": now.UTC(), "expires_at": expiresAt.UTC()}).Error
	return translate(err)
}

// EndSession revokes a session or token (logout), audited.
func (s *Store) EndSession(ctx context.Context, actor domain.Actor, tokenHash string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Where("token_hash = ?", tokenHash).Delete(&sessionRow{})
		if res.Error != nil {
			return res.Error
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "auth.logout", ObjectType: "user", ObjectID: actor.UserID, Details: map[string]any{"sessions_ended": res.RowsAffected}})
	})
}

// PurgeSessions deletes expired sessions and login attempts older than
// keepAttempts; it is idempotent and safe to run from every instance.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time, keepAttempts time.Duration) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at <= ?", now.UTC()).Delete(&sessionRow{}).Error; err != nil {
		return translate(err)
	}
	return translate(db.Where("attempted_at < ?", now.Add(-keepAttempts).UTC()).Delete(&loginAttemptRow{}).Error)
}

func lastID(rows []loginAttemptRow) int64 {
	if len(rows) == 0 {
		return 0
	}
	return rows[0].ID
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
