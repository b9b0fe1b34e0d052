package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type userRow struct {
	ID                 string `gorm:"primaryKey"`
	Email              string
	EmailKey           string
	DisplayName        string
	PasswordHash       string
	Disabled           bool
	PasswordMustChange bool
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (userRow) TableName() string { return "users" }

type roleRow struct {
	UserID    string `gorm:"primaryKey"`
	Role      string `gorm:"primaryKey"`
	Brand     string `gorm:"primaryKey"`
	CreatedAt time.Time
}

func (roleRow) TableName() string { return "role_assignments" }

func (r userRow) domain(roles []domain.RoleAssignment) domain.User {
	if roles == nil {
		roles = []domain.RoleAssignment{}
	}
	return domain.User{
		ID:                     r.ID,
		Email:                  r.Email,
		DisplayName:            r.DisplayName,
		Disabled:               r.Disabled,
		PasswordChangeRequired: r.PasswordMustChange,
		Roles:                  roles,
		CreatedAt:              r.CreatedAt,
		UpdatedAt:              r.UpdatedAt,
	}
}

// CreateUser adds a user with the given password hash and roles, audited as
// done by actor. The e-mail must be unused in any letter case (ECONFLICT).
// Input must already be validated with domain.NewUser.Validate.
func (s *Store) CreateUser(ctx context.Context, actor domain.Actor, in domain.NewUser, passwordHash string) (domain.User, error) {
	var u domain.User
	err := s.InTx(ctx, func(tx *Tx) error {
		roles := dedupeRoles(in.Roles)
		if err := tx.brandsExist(brandsOf(roles)); err != nil {
			return err
		}
		row := userRow{
			ID: newID(), Email: strings.TrimSpace(in.Email), EmailKey: domain.NormalizeEmail(in.Email),
			DisplayName: strings.TrimSpace(in.DisplayName), PasswordHash: passwordHash,
			PasswordChangedAt: tx.now, CreatedAt: tx.now, UpdatedAt: tx.now,
		}
		// The administrator who creates an account chose its first password
		// and knows it: like a reset, it must be changed by its owner.
		row.PasswordMustChange = domain.PasswordSetByOther(actor.UserID, row.ID)
		if err := tx.createUnique(&row, "A user with this e-mail address already exists.",
			"email", "This e-mail address is already in use."); err != nil {
			return err
		}
		if err := tx.writeRoles(row.ID, roles); err != nil {
			return err
		}
		u = row.domain(roles)
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "user.create", ObjectType: "user", ObjectID: row.ID,
			Details: map[string]any{"email": row.Email, "display_name": row.DisplayName, "roles": roleStrings(roles)}})
	})
	return u, err
}

func (tx *Tx) writeRoles(userID string, roles []domain.RoleAssignment) error {
	if err := tx.db.Where("user_id = ?", userID).Delete(&roleRow{}).Error; err != nil {
		return err
	}
	for _, a := range roles {
		if err := tx.db.Create(&roleRow{UserID: userID, Role: string(a.Role), Brand: a.Brand, CreatedAt: tx.now}).Error; err != nil {
			return err
		}
	}
	return tx.db.Exec("UPDATE grants_version SET version = version + 1 WHERE id = 1").Error
}

// SetRoles replaces a user's role assignments and records the before and
// after in the audit trail. A change the domain refuses (granting roles to
// oneself, domain.CheckRoleChange) is EFORBIDDEN and audited in its own
// transaction. The change reaches every instance's authorizer
// on its next request through the grants version.
func (s *Store) SetRoles(ctx context.Context, actor domain.Actor, userID string, roles []domain.RoleAssignment) (domain.User, error) {
	for _, a := range roles {
		if err := a.Validate(); err != nil {
			return domain.User{}, &domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"roles": domain.ErrorMessage(err)},
			}
		}
	}
	roles = dedupeRoles(roles)
	var u domain.User
	var refused *domain.AuditEntry
	err := s.InTx(ctx, func(tx *Tx) error {
		row, err := tx.lockUser(userID)
		if err != nil {
			return err
		}
		if err := tx.brandsExist(brandsOf(roles)); err != nil {
			return err
		}
		before, err := tx.rolesOf(userID)
		if err != nil {
			return err
		}
		if err := domain.CheckRoleChange(actor.UserID, userID, before, roles); err != nil {
			refused = &domain.AuditEntry{Actor: actor, Action: domain.ActionRolesRefused, ObjectType: "user", ObjectID: userID,
				Details: map[string]any{"before": roleStrings(before), "requested": roleStrings(roles), "rule": domain.ErrorMessage(err)}}
			return err
		}
		if err := tx.writeRoles(userID, roles); err != nil {
			return err
		}
		u = row.domain(roles)
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "user.roles_update", ObjectType: "user", ObjectID: userID,
			Details: map[string]any{"before": roleStrings(before), "after": roleStrings(roles)}})
	})
	return u, s.auditRefusal(ctx, refused, err)
}

// UpdateUser applies upd. Disabling a user or changing their password ends
// every session and API token of theirs in the same transaction, so that
// access stops on the very next request. A password set by someone else
// (domain.PasswordSetByOther) must be changed by its owner before they act
// or sign again; one they set themselves clears that.
func (s *Store) UpdateUser(ctx context.Context, actor domain.Actor, userID string, upd domain.UserUpdate) (domain.User, error) {
	var u domain.User
	err := s.InTx(ctx, func(tx *Tx) error {
		row, err := tx.lockUser(userID)
		if err != nil {
			return err
		}
		changes := map[string]any{"updated_at": tx.now}
		details := map[string]any{}
		endSessions := false
		if upd.DisplayName != nil && *upd.DisplayName != row.DisplayName {
			changes["display_name"] = *upd.DisplayName
			details["display_name"] = map[string]any{"before": row.DisplayName, "after": *upd.DisplayName}
			row.DisplayName = *upd.DisplayName
		}
		if upd.Disabled != nil && *upd.Disabled != row.Disabled {
			changes["disabled"] = *upd.Disabled
			details["disabled"] = *upd.Disabled
			row.Disabled = *upd.Disabled
			endSessions = endSessions || *upd.Disabled
		}
		if upd.PasswordHash != nil {
			mustChange := domain.PasswordSetByOther(actor.UserID, userID)
			changes["password_hash"] = *upd.PasswordHash
			changes["password_changed_at"] = tx.now
			changes["password_must_change"] = mustChange
			details["password_changed"] = true
			details["password_change_required"] = mustChange
			row.PasswordMustChange = mustChange
			endSessions = true
		}
		if len(details) == 0 {
			roles, err := tx.rolesOf(userID)
			u = row.domain(roles)
			return err
		}
		if err := tx.db.Model(&userRow{}).Where("id = ?", userID).Updates(changes).Error; err != nil {
			return err
		}
		if endSessions {
			res := tx.db.Where("user_id = ?", userID).Delete(&sessionRow{})
			if res.Error != nil {
				return res.Error
			}
			details["sessions_ended"] = res.RowsAffected
		}
		roles, err := tx.rolesOf(userID)
		if err != nil {
			return err
		}
		row.UpdatedAt = tx.now
		u = row.domain(roles)
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "user.update", ObjectType: "user", ObjectID: userID, Details: details})
	})
	return u, err
}

func (tx *Tx) lockUser(id string) (userRow, error) {
	var row userRow
	q := tx.forUpdate(tx.db, "")
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return row, domain.Errorf(domain.ENOTFOUND, "No such user.")
		}
		return row, err
	}
	return row, nil
}

func (tx *Tx) rolesOf(userID string) ([]domain.RoleAssignment, error) {
	var rows []roleRow
	if err := tx.db.Where("user_id = ?", userID).Order("brand, role").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.RoleAssignment, len(rows))
	for i, r := range rows {
		out[i] = domain.RoleAssignment{Role: domain.Role(r.Role), Brand: r.Brand}
	}
	return out, nil
}

// User returns the user with id, ENOTFOUND if there is none.
func (s *Store) User(ctx context.Context, id string) (domain.User, error) {
	var u domain.User
	err := s.read(ctx, func(tx *Tx) error {
		var row userRow
		if err := tx.db.Where("id = ?", id).Take(&row).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return domain.Errorf(domain.ENOTFOUND, "No such user.")
			}
			return err
		}
		roles, err := tx.rolesOf(id)
		u = row.domain(roles)
		return err
	})
	return u, err
}

// CredentialsByEmail returns the user with email (any letter case) and their
// password hash, ENOTFOUND if there is none.
func (s *Store) CredentialsByEmail(ctx context.Context, email string) (domain.Credentials, error) {
	var c domain.Credentials
	err := s.read(ctx, func(tx *Tx) error {
		var row userRow
		if err := tx.db.Where("email_key = ?", domain.NormalizeEmail(email)).Take(&row).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return domain.Errorf(domain.ENOTFOUND, "No such user.")
			}
			return err
		}
		roles, err := tx.rolesOf(row.ID)
		c = domain.Credentials{User: row.domain(roles), PasswordHash: row.PasswordHash}
		return err
	})
	return c, err
}

// ListUsers returns every user with their roles, ordered by e-mail.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	var users []domain.User
	err := s.read(ctx, func(tx *Tx) error {
		var rows []userRow
		if err := tx.db.Order("email_key").Find(&rows).Error; err != nil {
			return err
		}
		var roles []roleRow
		if err := tx.db.Order("brand, role").Find(&roles).Error; err != nil {
			return err
		}
		byUser := map[string][]domain.RoleAssignment{}
		for _, r := range roles {
			byUser[r.UserID] = append(byUser[r.UserID], domain.RoleAssignment{Role: domain.Role(r.Role), Brand: r.Brand})
		}
		users = make([]domain.User, len(rows))
		for i, r := range rows {
			users[i] = r.domain(byUser[r.ID])
		}
		return nil
	})
	return users, err
}

// Grants returns every role assignment, for the authorizer.
func (s *Store) Grants(ctx context.Context) ([]domain.Grant, error) {
	var rows []roleRow
	if err := s.db.WithContext(ctx).Order("user_id, brand, role").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Grant, len(rows))
	for i, r := range rows {
		out[i] = domain.Grant{UserID: r.UserID, Role: domain.Role(r.Role), Brand: r.Brand}
	}
	return out, nil
}

// GrantsVersion returns the counter bumped by every change of role
// assignments.
func (s *Store) GrantsVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.WithContext(ctx).Raw("SELECT version FROM grants_version WHERE id = 1").Scan(&v).Error
	return v, translate(err)
}

// read runs fn in a read-only transaction for a consistent view.
func (s *Store) read(ctx context.Context, fn func(tx *Tx) error) error {
	err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&Tx{db: g, dialect: s.dialect, now: domain.AuditTime(s.now())})
	}, readOnlyTx(s.dialect))
	return translate(err)
}

// readOne runs fn in a read-only transaction, like read, and returns what
// it returns.
func readOne[T any](ctx context.Context, s *Store, fn func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := s.read(ctx, func(tx *Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func dedupeRoles(in []domain.RoleAssignment) []domain.RoleAssignment {
	out := make([]domain.RoleAssignment, 0, len(in))
	for _, a := range in {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b domain.RoleAssignment) int {
		return strings.Compare(a.Brand+"\x00"+string(a.Role), b.Brand+"\x00"+string(b.Role))
	})
	return out
}

func brandsOf(roles []domain.RoleAssignment) []string {
	var out []string
	for _, a := range roles {
		if !slices.Contains(out, a.Brand) {
			out = append(out, a.Brand)
		}
	}
	return out
}

func roleStrings(roles []domain.RoleAssignment) []string {
	out := make([]string, len(roles))
	for i, a := range roles {
		out[i] = a.String()
	}
	return out
}
