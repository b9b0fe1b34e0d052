package server

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
)

// signatureRequest is the part of every e-signature form: the signer's
// password again (21 CFR 11.200) and the meaning of the signature (11.50).
type signatureRequest struct {
	Password string `json:"password"`
	Meaning  string `json:"meaning"`
}

// verifySignature checks the signer's password again and returns the
// signature to record. A wrong password is a field message in v (ok false),
// and is audited as a signature failure. Password re-entries count with
// sign-in failures of the account (checkOwnPassword): past the limit the
// answer is ETOOMANY, returned as err, and signing is locked for the window.
func (s *Server) verifySignature(c echo.Context, in signatureRequest, v *domain.Validation) (sig domain.NewSignature, ok bool, err error) {
	p := principalOf(c)
	meaning := strings.TrimSpace(in.Meaning)
	v.Check(meaning != "" && len(meaning) <= 300, "meaning", "State what your signature means, e.g. \"Approved as medically accurate\".")
	if in.Password == "" {
		v.Add("password", "Enter your password to sign.")
		return domain.NewSignature{}, false, nil
	}
	ok, err = s.checkOwnPassword(c, in.Password, "signature")
	if err != nil {
		return domain.NewSignature{}, false, err
	}
	if !ok {
		v.Add("password", "The password is incorrect.")
		return domain.NewSignature{}, false, nil
	}
	return domain.NewSignature{UserID: p.user.ID, PrintedName: p.user.DisplayName, Meaning: meaning}, true, nil
}

// checkOwnPassword verifies the signed-in caller's password, re-entered to
// sign or to change it. The check is reserved and counted with the
// account's sign-in failures (store.BeginPasswordCheck), so a stolen token
// cannot be used to guess the password without limit: past the limit it is
// ETOOMANY. A wrong password is audited as a signature failure
// (21 CFR 11.300(d)).
func (s *Server) checkOwnPassword(c echo.Context, pw, purpose string) (bool, error) {
	ctx := c.Request().Context()
	p := principalOf(c)
	attempt, err := s.store.BeginPasswordCheck(ctx, s.passwordCheck(c, p.user.Email, true))
	if err != nil {
		return false, err
	}
	creds, err := s.store.CredentialsByEmail(ctx, p.user.Email)
	ok := err == nil
	if ok {
		ok, _ = password.Verify(pw, creds.PasswordHash)
	}
	if err := s.store.FinishPasswordCheck(ctx, attempt, ok); err != nil {
		return false, err
	}
	if !ok {
		entry := domain.AuditEntry{Actor: s.actor(c), Action: "signature.password_failed", ObjectType: "user", ObjectID: p.user.ID,
			Details: map[string]any{"purpose": purpose}}
		if aerr := s.store.Audit(ctx, entry); aerr != nil {
			s.log.Error("audit: signature failure", "err", aerr)
		}
	}
	return ok, nil
}
