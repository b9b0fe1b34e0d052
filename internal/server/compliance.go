package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
)

func (s *Server) apiGetCheckReport(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "read")
	if err != nil {
		return err
	}
	r, err := s.store.LatestReport(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) apiRunCheck(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "run")
	if err != nil {
		return err
	}
	r, err := s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// checkAfterUpload runs the checker on a fresh upload so that its author
// sees the findings at once. A failure is logged, not returned: the version
// is stored, and the check can be run again.
func (s *Server) checkAfterUpload(c echo.Context, v domain.Version) {
	if _, err := s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck); err != nil {
		s.log.Warn("compliance: check after upload failed", "version_id", v.ID, "err", err, "request_id", requestID(c))
	}
}

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
		if aerr := s.store.Audit(ctx, domain.AuditEntry{Actor: s.actor(c), Action: "signature.password_failed", ObjectType: "user", ObjectID: p.user.ID,
			Details: map[string]any{"purpose": purpose}}); aerr != nil {
			s.log.Error("audit: signature failure", "err", aerr)
		}
	}
	return ok, nil
}

type waiveRequest struct {
	signatureRequest
	Justification string `json:"justification"`
}

func (s *Server) apiWaiveFinding(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "waive")
	if err != nil {
		return err
	}
	var in waiveRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.waive(c, v, c.Param("fid"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) waive(c echo.Context, v domain.Version, findingID string, in waiveRequest) (domain.CheckReport, error) {
	var val domain.Validation
	justification := strings.TrimSpace(in.Justification)
	val.Check(len(justification) >= 10 && len(justification) <= 2000, "justification", "Explain in at least 10 characters why this finding does not apply.")
	// verifySignature records a field message whenever it refuses.
	sig, _, err := s.verifySignature(c, in.signatureRequest, &val)
	if err != nil {
		return domain.CheckReport{}, err
	}
	if err := val.Err(); err != nil {
		return domain.CheckReport{}, err
	}
	sig.Function, sig.ContentSHA256 = domain.FunctionRegulatory, v.SHA256
	return s.store.WaiveFinding(c.Request().Context(), s.actor(c), v.ID, findingID, justification, sig)
}

func (s *Server) apiGetLabel(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "label", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	b, err := s.store.Brand(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b.Label)
}

// apiLabelVersions lists every version of a brand's label, oldest first.
func (s *Server) apiLabelVersions(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "label", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	if _, err := s.store.Brand(c.Request().Context(), code); err != nil {
		return err
	}
	labels, err := s.store.Labels(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"brand": code, "versions": labels})
}

func (s *Server) apiPutLabel(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "label", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	if !s.can(c, code, "label", "update") {
		return domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	var in labelRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l := in.Label
	// The review policy belongs to administrators: a label edit that leaves
	// it out keeps the brand's current one rather than resetting it to the
	// defaults (which would read as a change only they may make). A
	// re-review grace left out keeps the current one too, so that a
	// deliberate 0 is not silently reset to the default.
	if l.RequiredFunctions == nil || l.ReviewSLADays == 0 || l.RereviewGraceDays == nil {
		cur, err := s.store.Brand(c.Request().Context(), code)
		if err != nil {
			return err
		}
		if l.RequiredFunctions == nil {
			l.RequiredFunctions = slices.Clone(cur.Label.RequiredFunctions)
		}
		if l.ReviewSLADays == 0 {
			l.ReviewSLADays = cur.Label.ReviewSLADays
		}
		if l.RereviewGraceDays == nil {
			l.RereviewGraceDays = cur.Label.RereviewGraceDays
		}
	}
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	b, err := s.saveLabel(c, code, l, in.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b.Label)
}

// labelRequest is a new label version; Password signs a change of the
// required review functions or review SLA, which only an administrator may
// make.
type labelRequest struct {
	domain.Label
	Password string `json:"password"`
}

// saveLabel stores a validated label as the brand's next version. Whether
// the caller may change the review policy comes from the authorization
// policy; a password, when given, is checked like any e-signature and
// signs the change. The store asks the domain whether the change is allowed.
func (s *Server) saveLabel(c echo.Context, code string, l domain.Label, pw string) (domain.Brand, error) {
	by := domain.LabelAuthority{MayGovernReviews: s.can(c, code, "review_policy", "update")}
	if pw != "" {
		var val domain.Validation
		sig, ok, err := s.verifySignature(c, signatureRequest{Password: pw, Meaning: "Changed the required review functions or review SLA"}, &val)
		if err != nil {
			return domain.Brand{}, err
		}
		if !ok {
			return domain.Brand{}, val.Err()
		}
		by.Signature = &sig
	}
	return s.store.SaveLabel(c.Request().Context(), s.actor(c), code, l, by, checker.Recheck)
}

func (s *Server) apiListClaims(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "claim", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	if _, err := s.store.Brand(c.Request().Context(), code); err != nil {
		return err
	}
	claims, err := s.store.Claims(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"claims": claims})
}

func (s *Server) apiCreateClaim(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "claim", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	if !s.can(c, code, "claim", "create") {
		return domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	var in domain.NewClaim
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	cl, err := s.store.CreateClaim(c.Request().Context(), s.actor(c), code, in, checker.Recheck)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cl)
}
