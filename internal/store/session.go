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

type loginAttemptRow struct {
	ID          int64 `gorm:"primaryKey"`
	EmailKey    string
	ClientIP    string
	Succeeded   bool
	AttemptedAt time.Time
}

func (loginAttemptRow) TableName() string { return "login_attempts" }

type throttleCountRow struct {
	Key         string    `gorm:"primaryKey"`
	WindowStart time.Time `gorm:"primaryKey"`
	Attempts    int64
}

func (throttleCountRow) TableName() string { return "auth_throttle_counts" }

// RecordLogin stores a login attempt with its audit event and, on success,
// the session. Failed attempts are audited like successful ones.
func (s *Store) RecordLogin(ctx context.Context, o domain.LoginOutcome) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if o.AttemptID != 0 {
			if err := tx.db.Model(&loginAttemptRow{}).Where("id = ?", o.AttemptID).Update("succeeded", o.Succeeded).Error; err != nil {
				return err
			}
		} else if err := tx.db.Create(&loginAttemptRow{EmailKey: domain.ThrottleKey(o.Email), ClientIP: domain.ClipUntrusted(o.ClientIP),
			Succeeded: o.Succeeded, AttemptedAt: tx.now}).Error; err != nil {
			return err
		}
		// The e-mail and user agent come from an unauthenticated caller:
		// the append-only trail keeps a bounded part of them.
		email := domain.ClipUntrusted(o.Email)
		actor := domain.Actor{Name: email, ClientIP: o.ClientIP, RequestID: o.RequestID}
		objectID := ""
		if o.User != nil {
			actor.UserID, actor.Name, objectID = o.User.ID, o.User.DisplayName, o.User.ID
		}
		details := map[string]any{"email": email, "user_agent": truncate(o.UserAgent, 200)}
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
	err = s.read(ctx, func(tx *Tx) error {
		byAccount, byAddress, err = tx.recentFailures(domain.ThrottleKey(email), clientIP, since)
		return err
	})
	return byAccount, byAddress, err
}

func (tx *Tx) recentFailures(key, clientIP string, since time.Time) (byAccount, byAddress int64, err error) {
	var last []loginAttemptRow
	if err = tx.db.Where("email_key = ? AND succeeded = ? AND attempted_at >= ?", key, true, since.UTC()).
		Order("attempted_at DESC").Limit(1).Find(&last).Error; err != nil {
		return 0, 0, err
	}
	accountSince := since.UTC()
	if len(last) == 1 && last[0].AttemptedAt.After(accountSince) {
		accountSince = last[0].AttemptedAt.UTC()
	}
	if err = tx.db.Model(&loginAttemptRow{}).
		Where("email_key = ? AND succeeded = ? AND attempted_at >= ? AND id > ?", key, false, accountSince, lastID(last)).
		Count(&byAccount).Error; err != nil {
		return 0, 0, err
	}
	if err = tx.db.Model(&loginAttemptRow{}).Where("client_ip = ? AND succeeded = ? AND attempted_at >= ?", clientIP, false, since.UTC()).
		Count(&byAddress).Error; err != nil {
		return 0, 0, err
	}
	return byAccount, byAddress, nil
}

// BeginPasswordCheck reserves one password check before the password is
// verified. Counting and reserving are one step per account and address:
// the reservation is written as a failed attempt in the transaction that
// counted, under a lock on both keys (PostgreSQL advisory locks; SQLite
// transactions are immediate, one writer at a time), so parallel guesses
// cannot all read a count below the limit. The caller turns the attempt
// into a success with RecordLogin, or into a finished failure by leaving it.
//
// Over a limit (domain.ThrottleLimits) it is ETOOMANY and nothing is
// reserved; the refused attempt is counted per key and window and audited
// only at 1, 10, 100, ... refusals (domain.ThrottleAuditDue).
func (s *Store) BeginPasswordCheck(ctx context.Context, pc domain.PasswordCheck) (attemptID int64, err error) {
	key := domain.ThrottleKey(pc.Email)
	ip := domain.ClipUntrusted(pc.ClientIP)
	var over string
	err = s.InTx(ctx, func(tx *Tx) error {
		if tx.dialect == Postgres {
			// Always account before address, so two checks never wait on
			// each other in opposite orders.
			for _, k := range []string{"throttle:account:" + key, "throttle:address:" + ip} {
				if err := tx.db.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", k).Error; err != nil {
					return err
				}
			}
		}
		since := tx.now.Add(-pc.Window)
		byAccount, byAddress, err := tx.recentFailures(key, ip, since)
		if err != nil {
			return err
		}
		if over = pc.Limits.Throttled(byAccount, byAddress); over != "" {
			return tx.countThrottled(pc, over, key, ip)
		}
		row := loginAttemptRow{EmailKey: key, ClientIP: ip, Succeeded: false, AttemptedAt: tx.now}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		attemptID = row.ID
		return nil
	})
	if err != nil {
		return 0, err
	}
	if over != "" {
		minutes := int(pc.Window.Minutes() + 0.5)
		if pc.Signature {
			return 0, domain.Errorf(
				domain.ETOOMANY,
				"Too many wrong passwords for this account; signing is locked. Wait %d minutes and try again.",
				minutes,
			)
		}
		return 0, domain.Errorf(domain.ETOOMANY, "Too many failed sign-ins. Wait %d minutes and try again.", minutes)
	}
	return attemptID, nil
}

// FinishPasswordCheck records the outcome of a check reserved by
// BeginPasswordCheck for a signed-in user (e-signature or password change):
// a success stops counting as a failure of the account, a failure stays.
func (s *Store) FinishPasswordCheck(ctx context.Context, attemptID int64, ok bool) error {
	if !ok {
		return nil
	}
	return translate(s.db.WithContext(ctx).Model(&loginAttemptRow{}).Where("id = ?", attemptID).Update("succeeded", true).Error)
}

// countThrottled adds one refused attempt to the key's count for the
// current window and audits the count when domain.ThrottleAuditDue says so.
func (tx *Tx) countThrottled(pc domain.PasswordCheck, over, key, ip string) error {
	k := "account:" + key
	if over == "address" {
		k = "address:" + ip
	}
	window := tx.now.Truncate(pc.Window).UTC()
	if pc.Window <= 0 {
		window = tx.now
	}
	var n int64
	if err := tx.db.Raw(`INSERT INTO auth_throttle_counts (key, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET attempts = auth_throttle_counts.attempts + 1
		RETURNING attempts`, k, window).Scan(&n).Error; err != nil {
		return err
	}
	if !domain.ThrottleAuditDue(n) {
		return nil
	}
	action := domain.ActionLoginThrottled
	if pc.Signature {
		action = domain.ActionSignatureThrottled
	}
	actor := pc.Actor
	actor.Name = domain.ClipUntrusted(actor.Name)
	return tx.Audit(domain.AuditEntry{Actor: actor, Action: action, ObjectType: "user", ObjectID: actor.UserID,
		Details: map[string]any{"throttled_by": over, "key": k, "window_start": window, "attempts": n, "limit_window": pc.Window.String()}})
}

// SessionUser returns the live session with tokenHash and its user. An
// unknown, expired or revoked session, or a disabled user, is EUNAUTH.
//
// Every authenticated request asks this, so it is one statement: the
// session joined with its user and the user's roles, one row per role, and
// the grants version for the authorizer's Sync.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (domain.Session, domain.User, error) {
	rows, err := s.db.WithContext(ctx).
		Raw(`SELECT users.id, users.email, users.email_key, users.display_name, users.password_hash, users.disabled,
			users.password_must_change, users.password_changed_at, users.created_at, users.updated_at,
			sessions.token_hash, sessions.kind, sessions.created_at, sessions.last_seen_at, sessions.expires_at,
			r.role, r.brand, (SELECT version FROM grants_version WHERE id = 1)
		FROM sessions JOIN users ON users.id = sessions.user_id
		LEFT JOIN role_assignments r ON r.user_id = users.id
		WHERE sessions.token_hash = ? AND sessions.expires_at > ?
		ORDER BY r.brand, r.role`, tokenHash, now.UTC()).
		Rows()
	if err != nil {
		return domain.Session{}, domain.User{}, translate(err)
	}
	defer rows.Close()
	// Read field by field: this runs on every request, and GORM's
	// reflective scan cost more than the statement's round trip.
	var (
		u     userRow
		sess  domain.Session
		roles []domain.RoleAssignment
		found bool
	)
	for rows.Next() {
		var role, brand *string
		if err := rows.Scan(&u.ID, &u.Email, &u.EmailKey, &u.DisplayName, &u.PasswordHash, &u.Disabled,
			&u.PasswordMustChange, &u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt,
			&sess.TokenHash, &sess.Kind, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &role, &brand,
			&sess.GrantsVersion); err != nil {
			return domain.Session{}, domain.User{}, translate(err)
		}
		found = true
		if role != nil && brand != nil {
			roles = append(roles, domain.RoleAssignment{Role: domain.Role(*role), Brand: *brand})
		}
	}
	if err := rows.Err(); err != nil {
		return domain.Session{}, domain.User{}, translate(err)
	}
	switch {
	case !found:
		return domain.Session{}, domain.User{}, domain.Errorf(domain.EUNAUTH, "Your session has ended; sign in again.")
	case u.Disabled:
		return domain.Session{}, domain.User{}, domain.Errorf(domain.EUNAUTH, "Your account is disabled.")
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
		return tx.Audit(
			domain.AuditEntry{
				Actor:      actor,
				Action:     "auth.logout",
				ObjectType: "user",
				ObjectID:   actor.UserID,
				Details:    map[string]any{"sessions_ended": res.RowsAffected},
			},
		)
	})
}

// PurgeSessions deletes expired sessions and login attempts older than
// keepAttempts; it is idempotent and safe to run from every instance.
// Throttling counts older than keepAttempts are summarized in one audit
// event (the exact totals, which the events written while throttling only
// sample at 1, 10, 100, ...) in the transaction that deletes them, so each
// count is summarized once whichever instance runs the purge.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time, keepAttempts time.Duration) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at <= ?", now.UTC()).Delete(&sessionRow{}).Error; err != nil {
		return translate(err)
	}
	cutoff := now.Add(-keepAttempts).UTC()
	if err := s.InTx(ctx, func(tx *Tx) error {
		var rows []throttleCountRow
		q := tx.forUpdate(tx.db, "")
		if err := q.Where("window_start < ?", cutoff).Order("attempts DESC, key").Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		var total int64
		busiest := []map[string]any{}
		for i, r := range rows {
			total += r.Attempts
			if i < throttleSummaryKeys {
				busiest = append(busiest, map[string]any{"key": r.Key, "window_start": r.WindowStart.UTC(), "attempts": r.Attempts})
			}
		}
		if err := tx.Audit(domain.AuditEntry{Actor: domain.SystemActor, Action: domain.ActionThrottleSummary, ObjectType: "auth",
			Details: map[string]any{"windows": len(rows), "attempts": total, "busiest": busiest, "before": cutoff}}); err != nil {
			return err
		}
		return tx.db.Where("window_start < ?", cutoff).Delete(&throttleCountRow{}).Error
	}); err != nil {
		return err
	}
	return translate(db.Where("attempted_at < ?", cutoff).Delete(&loginAttemptRow{}).Error)
}

// throttleSummaryKeys bounds the keys named in a throttling summary; the
// totals cover every key.
const throttleSummaryKeys = 20

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
