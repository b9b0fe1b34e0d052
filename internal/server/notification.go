package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// apiNotifications lists the caller's in-app notifications (review
// requests, decisions on their pieces), unread first.
func (s *Server) apiNotifications(c echo.Context) error {
	ns, err := s.store.Notifications(c.Request().Context(), principalOf(c).user.ID, 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"notifications": ns})
}

// apiReadNotifications marks all of the caller's notifications as read.
func (s *Server) apiReadNotifications(c echo.Context) error {
	if err := s.store.MarkNotificationsRead(c.Request().Context(), principalOf(c).user.ID, s.now()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
