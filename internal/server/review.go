package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

// submitVersion runs the checker and sends the version to MLR review with
// one task per function the brand's label requires.
func (s *Server) submitVersion(c echo.Context, v domain.Version) (domain.ReviewRound, error) {
	// Decide first: the checker stores its report, which a refusal must not leave behind.
	if err := domain.CanSubmit(v.State); err != nil {
		return domain.ReviewRound{}, err
	}
	return s.openRound(c, v, s.store.SubmitChecked)
}

// recertifyVersion re-checks the unchanged bytes and opens a
// re-certification round with the brand's required functions.
func (s *Server) recertifyVersion(c echo.Context, v domain.Version) (domain.ReviewRound, error) {
	rounds, err := s.store.ReviewHistory(c.Request().Context(), v.ID)
	if err != nil {
		return domain.ReviewRound{}, err
	}
	open := 0
	for _, r := range rounds {
		if r.Status == "open" {
			open++
		}
	}
	// Decide first: the checker stores its report, which a refusal must not leave behind.
	if err := domain.CanRecertify(v.State, open); err != nil {
		return domain.ReviewRound{}, err
	}
	return s.openRound(c, v, s.store.RecertifyChecked)
}

type roundOpener func(
	ctx context.Context, actor domain.Actor, versionID string, report domain.CheckReport,
	functions []string, reviewers []domain.Reviewer, due time.Time,
) (domain.ReviewRound, error)

// openRound checks the version, finds the reviewers to notify and opens a
// review round with the brand's required functions, due after the SLA.
func (s *Server) openRound(c echo.Context, v domain.Version, open roundOpener) (domain.ReviewRound, error) {
	ctx := c.Request().Context()
	b, err := s.store.Brand(ctx, v.Brand)
	if err != nil {
		return domain.ReviewRound{}, err
	}
	// The report is stored with the round, in one transaction: a refusal there leaves nothing.
	report, err := s.store.Evaluate(ctx, v.ID, s.now(), checker.Recheck)
	if err != nil {
		return domain.ReviewRound{}, err
	}
	reviewers, err := s.store.ReviewersFor(ctx, v.Brand, b.Label.RequiredFunctions)
	if err != nil {
		return domain.ReviewRound{}, err
	}
	sla := s.cfg.ReviewSLA
	if b.Label.ReviewSLADays > 0 {
		sla = time.Duration(b.Label.ReviewSLADays) * 24 * time.Hour
	}
	return open(ctx, s.actor(c), v.ID, report, b.Label.RequiredFunctions, reviewers, s.now().Add(sla))
}

func (s *Server) apiRecertify(c echo.Context) error {
	return versionJSON(s, c, "version", "recertify", http.StatusCreated, func(v domain.Version) (domain.ReviewRound, error) {
		return s.recertifyVersion(c, v)
	})
}

func (s *Server) apiSubmitVersion(c echo.Context) error {
	return versionJSON(s, c, "version", "submit", http.StatusCreated, func(v domain.Version) (domain.ReviewRound, error) {
		return s.submitVersion(c, v)
	})
}

func (s *Server) webSubmitVersion(c echo.Context) error {
	return s.versionForm(c, "version", "submit", "submitted", func(v domain.Version) error {
		_, err := s.submitVersion(c, v)
		return err
	})
}

// reviewScopes lists, per review function, the brands the caller may review.
func (s *Server) reviewScopes(c echo.Context) []domain.TaskScope {
	var scopes []domain.TaskScope
	for _, f := range domain.ReviewFunctions {
		all, brands := s.authz.Brands(principalOf(c).user, "review", f)
		if all || len(brands) > 0 {
			scopes = append(scopes, domain.TaskScope{Function: f, All: all, Brands: brands})
		}
	}
	return scopes
}

func (s *Server) apiListReviews(c echo.Context) error {
	tasks, err := s.store.OpenTasks(c.Request().Context(), principalOf(c).user.ID, s.reviewScopes(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reviews": tasks})
}

// reviewsView is what reviews.html shows: the caller's open review tasks,
// with Now to mark the overdue ones.
type reviewsView struct {
	*pageData
	Data reviewsData
}

func (reviewsView) templateName() string { return "reviews.html" }

type reviewsData struct {
	Tasks []domain.ReviewTask
	Now   time.Time
}

func (s *Server) reviewsPage(c echo.Context) error {
	tasks, err := s.store.OpenTasks(c.Request().Context(), principalOf(c).user.ID, s.reviewScopes(c))
	if err != nil {
		return err
	}
	data := reviewsView{pageData: s.pageData(c, "Review queue"), Data: reviewsData{Tasks: tasks, Now: s.now()}}
	return s.renderPage(c, http.StatusOK, data)
}

type decisionRequest struct {
	signatureRequest
	Function string `json:"function"`
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

// decide validates and records a review decision with its signature.
func (s *Server) decide(c echo.Context, v domain.Version, in decisionRequest) (domain.DecisionResult, error) {
	if _, ok := domain.ReviewerRole(in.Function); !ok {
		return domain.DecisionResult{}, invalidField("function", "Choose medical, legal or regulatory.")
	}
	if !s.can(c, v.Brand, "review", in.Function) {
		return domain.DecisionResult{}, domain.Errorf(domain.EFORBIDDEN, "You are not a %s reviewer for %s.", in.Function, v.Brand)
	}
	var val domain.Validation
	val.Check(
		in.Decision == domain.DecisionApprove || in.Decision == domain.DecisionRequestChanges || in.Decision == domain.DecisionReject,
		"decision",
		"Choose approve, request_changes or reject.",
	)
	comment := strings.TrimSpace(in.Comment)
	val.Check(len(comment) <= 4000, "comment", "Use at most 4000 characters.")
	switch in.Decision {
	case domain.DecisionReject:
		val.Check(comment != "", "comment", "Explain why the piece is rejected.")
	case domain.DecisionRequestChanges:
		// The changes are asked for in writing: in the decision, or in
		// comments left open on the piece.
		if comment == "" {
			open, err := s.store.OpenThreads(c.Request().Context(), v.ID)
			if err != nil {
				return domain.DecisionResult{}, err
			}
			val.Check(open > 0, "comment", "Explain what must change, or leave an open comment on the piece first.")
		}
	}
	d := domain.Decision{VersionID: v.ID, Function: in.Function, Decision: in.Decision, Comment: comment}
	if domain.NeedsSignature(in.Decision) {
		sig, ok, err := s.verifySignature(c, in.signatureRequest, &val)
		if err != nil {
			return domain.DecisionResult{}, err
		}
		if ok {
			d.Signature = &sig
		}
	}
	if err := val.Err(); err != nil {
		return domain.DecisionResult{}, err
	}
	return s.store.Decide(c.Request().Context(), s.actor(c), d)
}

func (s *Server) apiDecide(c echo.Context) error {
	return versionJSONBody(s, c, "version", "read", http.StatusOK,
		func(v domain.Version, in decisionRequest) (domain.DecisionResult, error) {
			return s.decide(c, v, in)
		})
}

func (s *Server) webDecide(c echo.Context) error {
	return s.versionForm(c, "version", "read", "decided", func(v domain.Version) error {
		in := decisionRequest{signatureRequest: signatureRequest{Password: c.FormValue("password"), Meaning: c.FormValue("meaning")},
			Function: c.FormValue("function"), Decision: c.FormValue("decision"), Comment: c.FormValue("comment")}
		_, err := s.decide(c, v, in)
		return err
	})
}

func (s *Server) apiReviewHistory(c echo.Context) error {
	return versionJSON(s, c, "version", "read", http.StatusOK, func(v domain.Version) (map[string]any, error) {
		rounds, err := s.store.ReviewHistory(c.Request().Context(), v.ID)
		return map[string]any{"version_id": v.ID, "rounds": rounds}, err
	})
}
