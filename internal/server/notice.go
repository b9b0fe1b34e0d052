package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) apiNotices(c echo.Context) error {
	ns, err := s.store.Notices(c.Request().Context(), principalOf(c).user.ID, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"notices": ns})
}

func (s *Server) apiAckNotice(c echo.Context) error {
	if err := s.store.AckNotice(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) webAckNotice(c echo.Context) error {
	if err := s.store.AckNotice(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	s.setFlash(c, "notice_acked")
	return c.Redirect(http.StatusSeeOther, "/library")
}

// apiNoticeReport lists notices reps have not acknowledged after days
// (default 3), for marketing and regulatory follow-up.
func (s *Server) apiNoticeReport(c echo.Context) error {
	days, err := queryInt(c, "days", 3, 0, 365, "Use a number of days from 0 to 365.")
	if err != nil {
		return err
	}
	all, brands := s.authz.Brands(principalOf(c).user, "notice", "report")
	list, err := s.store.UnackedNotices(c.Request().Context(), all, brands, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"days": days, "unacknowledged": list})
}

// noticesReportView is what notices_report.html shows: the notices
// unacknowledged after Days.
type noticesReportView struct {
	*pageData
	Data daysList[domain.UnackedNotice]
}

func (noticesReportView) templateName() string { return "notices_report.html" }

func (s *Server) noticeReportPage(c echo.Context) error {
	days, _ := strconv.Atoi(c.QueryParam("days"))
	if days != 7 && days != 14 {
		days = 3
	}
	all, brands := s.authz.Brands(principalOf(c).user, "notice", "report")
	items, err := s.store.UnackedNotices(c.Request().Context(), all, brands, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	data := noticesReportView{pageData: s.pageData(c, "Unacknowledged notices"),
		Data: daysList[domain.UnackedNotice]{Items: items, Days: days, Choices: []int{3, 7, 14}}}
	return s.renderPage(c, http.StatusOK, data)
}
