package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      domain.User `json:"user"`
}

func (s *Server) apiLogin(c echo.Context) error {
	var in loginRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var v domain.Validation
	v.Check(in.Email != "", "email", "Enter your e-mail address.")
	v.Check(in.Password != "", "password", "Enter your password.")
	if err := v.Err(); err != nil {
		return err
	}
	token, sess, user, err := s.signIn(c, in.Email, in.Password, store.SessionAPI)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: sess.ExpiresAt.UTC(), User: user})
}

func (s *Server) apiLogout(c echo.Context) error {
	if err := s.store.EndSession(c.Request().Context(), s.actor(c), principalOf(c).session.TokenHash); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, principalOf(c).user)
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// apiChangePassword lets a user change their own password after proving the
// current one. All their sessions end, including this one.
func (s *Server) apiChangePassword(c echo.Context) error {
	var in passwordChange
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.changeOwnPassword(c, in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// changeOwnPassword checks the current password (counted like a signature,
// see checkOwnPassword) and the policy, and stores the new password. It
// clears a pending change required by an administrator's reset.
func (s *Server) changeOwnPassword(c echo.Context, in passwordChange) error {
	me := principalOf(c).user
	var v domain.Validation
	if in.CurrentPassword == "" {
		v.Add("current_password", "Enter your current password.")
	}
	if err := domain.CheckPassword(in.NewPassword, me.Email, me.DisplayName); err != nil {
		v.Add("new_password", domain.ErrorMessage(err))
	} else if in.NewPassword == in.CurrentPassword {
		v.Add("new_password", "Choose a password different from the current one.")
	}
	if in.CurrentPassword != "" {
		ok, err := s.checkOwnPassword(c, in.CurrentPassword, "password_change")
		if err != nil {
			return err
		}
		if !ok {
			v.Add("current_password", "The current password is incorrect.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := password.Hash(in.NewPassword, s.passwordParams)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateUser(c.Request().Context(), s.actor(c), me.ID, domain.UserUpdate{PasswordHash: &hash})
	return err
}

type passwordForm struct {
	Required bool
}

// accountPasswordView is what account_password.html shows.
type accountPasswordView struct {
	*pageData
	Form passwordForm
}

func (accountPasswordView) templateName() string { return "account_password.html" }

// accountPasswordPage shows the change-password form; users whose password
// an administrator set are sent here until they change it.
func (s *Server) accountPasswordPage(c echo.Context) error {
	data := accountPasswordView{pageData: s.pageData(c, "Change password"),
		Form: passwordForm{Required: principalOf(c).user.PasswordChangeRequired}}
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) accountPasswordSubmit(c echo.Context) error {
	err := s.changeOwnPassword(
		c,
		passwordChange{CurrentPassword: c.FormValue("current_password"), NewPassword: c.FormValue("new_password")},
	)
	if err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ETOOMANY {
			return err
		}
		data := accountPasswordView{pageData: s.pageData(c, "Change password"),
			Form: passwordForm{Required: principalOf(c).user.PasswordChangeRequired}}
		data.Errors, data.FlashError = domain.ErrorFields(err), domain.ErrorMessage(err)
		status := http.StatusUnprocessableEntity
		if code == domain.ETOOMANY {
			status = http.StatusTooManyRequests
		}
		return s.renderPage(c, status, data)
	}
	// Every session ended with the change; sign in with the new password.
	s.clearSessionCookie(c)
	s.setFlash(c, "password_changed")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) apiListUsers(c echo.Context) error {
	users, err := s.store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"users": users})
}

func (s *Server) apiGetUser(c echo.Context) error {
	u, err := s.store.User(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// createUser validates, hashes and stores a new user.
func (s *Server) createUser(c echo.Context, in domain.NewUser) (domain.User, error) {
	if err := in.Validate(); err != nil {
		return domain.User{}, err
	}
	hash, err := password.Hash(in.Password, s.passwordParams)
	if err != nil {
		return domain.User{}, err
	}
	u, err := s.store.CreateUser(c.Request().Context(), s.actor(c), in, hash)
	if err != nil {
		return domain.User{}, err
	}
	s.reloadGrants(c)
	return u, nil
}

// reloadGrants makes a role change visible to this instance at once; other
// instances pick it up from the grants version on their next request.
func (s *Server) reloadGrants(c echo.Context) {
	if err := s.authz.Sync(c.Request().Context()); err != nil {
		s.log.Warn("authz: reload after role change", "err", err, "request_id", requestID(c))
	}
}

func (s *Server) apiCreateUser(c echo.Context) error {
	return jsonCall(c, http.StatusCreated, func(in domain.NewUser) (domain.User, error) { return s.createUser(c, in) })
}

type rolesRequest struct {
	Roles []domain.RoleAssignment `json:"roles"`
}

func (s *Server) apiSetRoles(c echo.Context) error {
	return jsonCall(c, http.StatusOK, func(in rolesRequest) (domain.User, error) {
		if in.Roles == nil {
			return domain.User{}, invalidField("roles", "Give the complete list of roles (an empty list removes all).")
		}
		u, err := s.store.SetRoles(c.Request().Context(), s.actor(c), c.Param("id"), in.Roles)
		if err == nil {
			s.reloadGrants(c)
		}
		return u, err
	})
}

type userPatch struct {
	DisplayName *string `json:"display_name"`
	Disabled    *bool   `json:"disabled"`
	Password    *string `json:"password"`
}

// apiUpdateUser changes a user's name, disables or re-enables them, or sets
// a new password (an administrator's reset). Disabling and password changes
// end the user's sessions at once.
func (s *Server) apiUpdateUser(c echo.Context) error {
	var in userPatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return s.updateUser(c, c.Param("id"), in, func(u domain.User) error { return c.JSON(http.StatusOK, u) })
}

func (s *Server) updateUser(c echo.Context, id string, in userPatch, ok func(domain.User) error) error {
	ctx := c.Request().Context()
	cur, err := s.store.User(ctx, id)
	if err != nil {
		return err
	}
	var (
		v   domain.Validation
		upd domain.UserUpdate
	)
	if in.DisplayName != nil {
		probe := domain.NewUser{Email: cur.Email, DisplayName: *in.DisplayName, Password: "x"}
		if err := probe.Validate(); err != nil {
			if msg, bad := domain.ErrorFields(err)["display_name"]; bad {
				v.Add("display_name", msg)
			}
		}
		upd.DisplayName = in.DisplayName
	}
	if in.Disabled != nil {
		if p := principalOf(c); p != nil && p.user.ID == id && *in.Disabled {
			v.Add("disabled", "You cannot disable your own account.")
		}
		upd.Disabled = in.Disabled
	}
	if in.Password != nil {
		if err := domain.CheckPassword(*in.Password, cur.Email, cur.DisplayName); err != nil {
			v.Add("password", domain.ErrorMessage(err))
		} else {
			hash, err := password.Hash(*in.Password, s.passwordParams)
			if err != nil {
				return err
			}
			upd.PasswordHash = &hash
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.store.UpdateUser(ctx, s.actor(c), id, upd)
	if err != nil {
		return err
	}
	return ok(u)
}
