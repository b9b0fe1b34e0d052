package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// userForm is the administrator's form for creating or editing a user.
// Roles are entered one ROLE:BRAND per line (a bare ROLE means all brands).
type userForm struct {
	ID          string
	Email       string
	DisplayName string
	Roles       string
	Disabled    bool
	IsNew       bool
}

type adminUsersData struct {
	Users        []domain.User
	Roles        []domain.Role
	Brands       []string
	CorruptFiles int64 // stored files marked corrupt (see adminIntegrityPage)
}

// adminUsersView is what admin_users.html shows.
type adminUsersView struct {
	*pageData
	Data adminUsersData
}

func (adminUsersView) templateName() string { return "admin_users.html" }

// adminUserView is what admin_user.html shows: the user form, with the
// roles and brands to choose from in Data.
type adminUserView struct {
	*pageData
	Form userForm
	Data adminUsersData
}

func (adminUserView) templateName() string { return "admin_user.html" }

// adminIntegrityView is what admin_integrity.html shows.
type adminIntegrityView struct {
	*pageData
	Data adminIntegrityData
}

func (adminIntegrityView) templateName() string { return "admin_integrity.html" }

// adminIntegrityData is the integrity page: every stored file that no longer
// matches the hashes recorded at upload, with the pieces it serves.
type adminIntegrityData struct {
	Objects []domain.CorruptObject
}

// adminIntegrityPage lists the stored files marked corrupt, the versions each
// one serves (refused until it is restored) and how to restore it.
func (s *Server) adminIntegrityPage(c echo.Context) error {
	objects, err := s.store.CorruptObjects(c.Request().Context())
	if err != nil {
		return err
	}
	data := adminIntegrityView{pageData: s.pageData(c, "Stored-file integrity"), Data: adminIntegrityData{Objects: objects}}
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) adminUsersPage(c echo.Context) error {
	ctx := c.Request().Context()
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	// The users page is where administrators land: it says at once when
	// stored files no longer match what was approved.
	corrupt, err := s.store.CountCorruptObjects(ctx)
	if err != nil {
		return err
	}
	data := adminUsersView{pageData: s.pageData(c, "Users"), Data: adminUsersData{Users: users, CorruptFiles: corrupt}}
	data.Flash = s.flashMessage(c)
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) userFormData(c echo.Context, title string, form userForm, errs map[string]string) (adminUserView, error) {
	brands, err := s.store.ListBrands(c.Request().Context(), true, nil)
	if err != nil {
		return adminUserView{}, err
	}
	codes := []string{domain.AllBrands}
	for _, b := range brands {
		codes = append(codes, b.Code)
	}
	data := adminUserView{pageData: s.pageData(c, title), Form: form, Data: adminUsersData{Roles: domain.Roles, Brands: codes}}
	data.Errors = errs
	return data, nil
}

func (s *Server) adminUserNewPage(c echo.Context) error {
	data, err := s.userFormData(c, "New user", userForm{IsNew: true}, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, http.StatusOK, data)
}

// parseRoleLines reads the roles text area.
func parseRoleLines(text string) ([]domain.RoleAssignment, error) {
	var out []domain.RoleAssignment
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		a, err := domain.ParseRoleAssignment(line)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// rerender shows the form again with the user's input and the field
// messages of err, or returns err if it is not a validation problem.
func (s *Server) rerenderUserForm(c echo.Context, title string, form userForm, err error) error {
	code := domain.ErrorCode(err)
	if code != domain.EINVALID && code != domain.ECONFLICT {
		return err
	}
	errs := domain.ErrorFields(err)
	if len(errs) == 0 {
		errs = map[string]string{"form": domain.ErrorMessage(err)}
	}
	data, derr := s.userFormData(c, title, form, errs)
	if derr != nil {
		return derr
	}
	data.FlashError = domain.ErrorMessage(err)
	status := http.StatusUnprocessableEntity
	if code == domain.ECONFLICT {
		status = http.StatusConflict
	}
	return s.renderPage(c, status, data)
}

func (s *Server) adminUserCreate(c echo.Context) error {
	form := userForm{
		IsNew:       true,
		Email:       strings.TrimSpace(c.FormValue("email")),
		DisplayName: c.FormValue("display_name"),
		Roles:       c.FormValue("roles"),
	}
	roles, err := parseRoleLines(form.Roles)
	if err != nil {
		return s.rerenderUserForm(
			c,
			"New user",
			form,
			invalidField("roles", domain.ErrorMessage(err)),
		)
	}
	u, err := s.createUser(
		c,
		domain.NewUser{Email: form.Email, DisplayName: form.DisplayName, Password: c.FormValue("password"), Roles: roles},
	)
	if err != nil {
		return s.rerenderUserForm(c, "New user", form, err)
	}
	s.setFlash(c, "user_created")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
}

func formOf(u domain.User) userForm {
	lines := make([]string, len(u.Roles))
	for i, a := range u.Roles {
		lines[i] = a.String()
	}
	return userForm{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Roles: strings.Join(lines, "\n"), Disabled: u.Disabled}
}

func (s *Server) adminUserPage(c echo.Context) error {
	u, err := s.store.User(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	data, err := s.userFormData(c, u.DisplayName, formOf(u), nil)
	if err != nil {
		return err
	}
	data.Flash = s.flashMessage(c)
	return s.renderPage(c, http.StatusOK, data)
}

// adminUserUpdate saves the edit form: name, roles, disabled flag and an
// optional new password.
func (s *Server) adminUserUpdate(c echo.Context) error {
	ctx := c.Request().Context()
	cur, err := s.store.User(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	form := userForm{
		ID:          cur.ID,
		Email:       cur.Email,
		DisplayName: c.FormValue("display_name"),
		Roles:       c.FormValue("roles"),
		Disabled:    c.FormValue("disabled") == "on",
	}
	roles, err := parseRoleLines(form.Roles)
	if err != nil {
		return s.rerenderUserForm(
			c,
			cur.DisplayName,
			form,
			invalidField("roles", domain.ErrorMessage(err)),
		)
	}
	patch := userPatch{DisplayName: &form.DisplayName, Disabled: &form.Disabled}
	if pw := c.FormValue("password"); pw != "" {
		patch.Password = &pw
	}
	// Roles first: a refused change (granting roles to oneself) must leave
	// the rest of the form unsaved too.
	if _, err := s.store.SetRoles(ctx, s.actor(c), cur.ID, roles); err != nil {
		return s.rerenderUserForm(c, cur.DisplayName, form, err)
	}
	s.reloadGrants(c)
	err = s.updateUser(c, cur.ID, patch, func(domain.User) error { return nil })
	if err != nil {
		return s.rerenderUserForm(c, cur.DisplayName, form, err)
	}
	s.setFlash(c, "user_saved")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+cur.ID)
}
