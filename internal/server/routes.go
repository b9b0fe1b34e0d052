package server

import (
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/web"
)

// access declares who may call a route. Every route is registered with one;
// a test fails if any route lacks it, so nothing is left open by accident.
type access struct {
	public   bool   // no authentication (login, health, metrics, static files)
	signedIn bool   // any signed-in user (their own profile, logout)
	global   bool   // checked for all brands ("*"): administration, audit
	object   string // Casbin object, e.g. "audit"
	action   string // Casbin action, e.g. "verify"
}

var (
	publicAccess   = access{public: true}
	signedInAccess = access{signedIn: true}
)

// global is a permission that concerns no single brand.
func global(object, action string) access {
	return access{global: true, object: object, action: action}
}

// perBrand is a permission the caller must hold in the resource's brand; the
// route admits callers who hold it in some brand and the handler checks the
// brand of what it touches.
func perBrand(object, action string) access { return access{object: object, action: action} }

// routes registers every route in one place.
func (s *Server) routes() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(
		withRequestID,
		s.accessLog(),
		s.metrics.middleware,
		s.handleErrors,
		s.recoverPanics(),
		secureHeaders(s.cfg.SecureCookies),
		limitBody(s.bodyLimit),
		s.authenticate,
		s.noStore,
		s.csrf(),
		storableParams,
	)
	s.access = map[string]access{}

	s.add(http.MethodGet, "/healthz", s.healthz, publicAccess)
	s.add(http.MethodGet, "/readyz", s.readyz, publicAccess)
	s.add(http.MethodGet, "/metrics", s.metricsOnMainPort(), publicAccess) // checks the metrics token itself
	s.add(http.MethodGet, "/static/*", s.staticHandler(), publicAccess)

	// Web UI.
	s.add(http.MethodGet, "/login", s.loginPage, publicAccess)
	s.add(http.MethodPost, "/login", s.loginSubmit, publicAccess)
	s.add(http.MethodPost, "/logout", s.logoutSubmit, signedInAccess)
	s.add(http.MethodGet, "/", s.homePage, signedInAccess)
	s.add(http.MethodGet, "/account/password", s.accountPasswordPage, signedInAccess)
	s.add(http.MethodPost, "/account/password", s.accountPasswordSubmit, signedInAccess)
	s.add(http.MethodGet, "/admin/users", s.adminUsersPage, global("user", "read"))
	s.add(http.MethodGet, "/admin/integrity", s.adminIntegrityPage, global("integrity", "read"))
	s.add(http.MethodGet, "/admin/users/new", s.adminUserNewPage, global("user", "create"))
	s.add(http.MethodPost, "/admin/users", s.adminUserCreate, global("user", "create"))
	s.add(http.MethodGet, "/admin/users/:id", s.adminUserPage, global("user", "read"))
	s.add(http.MethodPost, "/admin/users/:id", s.adminUserUpdate, global("user", "update"))
	s.add(http.MethodGet, "/assets", s.assetsPage, perBrand("asset", "read"))
	s.add(http.MethodGet, "/assets/new", s.assetNewPage, perBrand("asset", "create"))
	s.add(http.MethodPost, "/assets", s.assetCreate, perBrand("asset", "create"))
	s.add(http.MethodGet, "/assets/:id", s.assetPage, perBrand("asset", "read"))
	s.add(http.MethodPost, "/assets/:id/versions", s.webUploadVersion, perBrand("version", "upload"))
	s.add(http.MethodGet, "/versions/:id/content", s.apiVersionContent, perBrand("version", "download"))
	s.add(http.MethodGet, "/versions/:id", s.workbenchPage, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/compare", s.comparePage, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/pages", s.apiPages, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/pages/:n/image", s.apiPageImage, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/pages/:n/thumbnail", s.apiPageThumbnail, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/annotations", s.apiListAnnotations, perBrand("comment", "read"))
	s.add(http.MethodPost, "/versions/:id/annotations", s.apiAddAnnotation, perBrand("comment", "create"))
	s.add(http.MethodPost, "/annotations/:id/resolve", s.apiResolveAnnotation, perBrand("comment", "create"))
	s.add(http.MethodPost, "/annotations/:id/reopen", s.apiReopenAnnotation, perBrand("comment", "create"))
	s.add(http.MethodGet, "/brands/:brand/label", s.labelPage, perBrand("label", "read"))
	s.add(http.MethodPost, "/brands/:brand/label", s.labelSave, perBrand("label", "update"))
	s.add(http.MethodGet, "/brands/:brand/claims", s.claimsPage, perBrand("claim", "read"))
	s.add(http.MethodPost, "/brands/:brand/claims", s.claimCreate, perBrand("claim", "create"))
	s.add(http.MethodGet, "/reviews", s.reviewsPage, perBrand("review", "read"))
	s.add(http.MethodGet, "/library", s.libraryPage, perBrand("library", "read"))
	s.add(http.MethodGet, "/library/:asset_id/content", s.apiLibraryContent, perBrand("library", "download"))
	s.add(http.MethodPost, "/library/:asset_id/feedback", s.webAddFeedback, perBrand("feedback", "create"))
	s.add(http.MethodPost, "/notices/:id/ack", s.webAckNotice, perBrand("notice", "ack"))
	s.add(http.MethodPost, "/versions/:id/publish", s.webPublish, perBrand("version", "publish"))
	s.add(http.MethodPost, "/versions/:id/withdraw", s.webWithdraw, perBrand("version", "withdraw"))
	s.add(http.MethodGet, "/expiring", s.expiringPage, perBrand("asset", "read"))
	s.add(http.MethodGet, "/notices/report", s.noticeReportPage, perBrand("notice", "report"))
	s.add(http.MethodGet, "/audit", s.auditPage, global("audit", "read"))
	s.add(http.MethodGet, "/analytics", s.dashboardPage, perBrand("analytics", "read"))
	s.add(http.MethodPost, "/versions/:id/submit", s.webSubmitVersion, perBrand("version", "submit"))
	s.add(http.MethodPost, "/versions/:id/reviews", s.webDecide, perBrand("review", "read"))
	s.add(http.MethodPost, "/versions/:id/comments", s.webAddComment, perBrand("comment", "create"))
	s.add(http.MethodGet, "/versions/:id/approval-record", s.approvalRecordPage, perBrand("version", "read"))
	s.add(http.MethodGet, "/versions/:id/approval-record.pdf", s.approvalRecordPDF, perBrand("version", "read"))
	s.add(http.MethodPost, "/versions/:id/compliance", s.webRunCheck, perBrand("compliance", "run"))
	s.add(http.MethodPost, "/versions/:id/compliance/findings/:fid/waive", s.webWaiveFinding, perBrand("compliance", "waive"))

	// API v1.
	s.add(http.MethodGet, "/api/v1/openapi.json", s.openAPI, publicAccess)
	s.add(http.MethodPost, "/api/v1/auth/login", s.apiLogin, publicAccess)
	s.add(http.MethodPost, "/api/v1/auth/logout", s.apiLogout, signedInAccess)
	s.add(http.MethodGet, "/api/v1/me", s.apiMe, signedInAccess)
	s.add(http.MethodPut, "/api/v1/me/password", s.apiChangePassword, signedInAccess)
	s.add(http.MethodGet, "/api/v1/me/notifications", s.apiNotifications, signedInAccess)
	s.add(http.MethodPost, "/api/v1/me/notifications/read", s.apiReadNotifications, signedInAccess)
	s.add(http.MethodGet, "/api/v1/users", s.apiListUsers, global("user", "read"))
	s.add(http.MethodPost, "/api/v1/users", s.apiCreateUser, global("user", "create"))
	s.add(http.MethodGet, "/api/v1/users/:id", s.apiGetUser, global("user", "read"))
	s.add(http.MethodPatch, "/api/v1/users/:id", s.apiUpdateUser, global("user", "update"))
	s.add(http.MethodPut, "/api/v1/users/:id/roles", s.apiSetRoles, global("user", "update"))
	s.add(http.MethodGet, "/api/v1/brands", s.apiListBrands, perBrand("brand", "read"))
	s.add(http.MethodPost, "/api/v1/brands", s.apiCreateBrand, global("brand", "create"))
	s.add(http.MethodGet, "/api/v1/brands/:brand", s.apiGetBrand, perBrand("brand", "read"))
	s.add(http.MethodGet, "/api/v1/brands/:brand/label", s.apiGetLabel, perBrand("label", "read"))
	s.add(http.MethodPut, "/api/v1/brands/:brand/label", s.apiPutLabel, perBrand("label", "update"))
	s.add(http.MethodGet, "/api/v1/brands/:brand/label/versions", s.apiLabelVersions, perBrand("label", "read"))
	s.add(http.MethodGet, "/api/v1/brands/:brand/claims", s.apiListClaims, perBrand("claim", "read"))
	s.add(http.MethodPost, "/api/v1/brands/:brand/claims", s.apiCreateClaim, perBrand("claim", "create"))
	s.add(http.MethodGet, "/api/v1/assets", s.apiListAssets, perBrand("asset", "read"))
	s.add(http.MethodPost, "/api/v1/assets", s.apiCreateAsset, perBrand("asset", "create"))
	s.add(http.MethodGet, "/api/v1/assets/:id", s.apiGetAsset, perBrand("asset", "read"))
	s.add(http.MethodPost, "/api/v1/assets/:id/versions", s.apiUploadVersion, perBrand("version", "upload"))
	s.add(http.MethodGet, "/api/v1/versions/:id", s.apiGetVersion, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/text", s.apiVersionText, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/content", s.apiVersionContent, perBrand("version", "download"))
	s.add(http.MethodPost, "/api/v1/versions/:id/submit", s.apiSubmitVersion, perBrand("version", "submit"))
	s.add(http.MethodPost, "/api/v1/versions/:id/recertify", s.apiRecertify, perBrand("version", "recertify"))
	s.add(http.MethodPost, "/api/v1/versions/:id/publish", s.apiPublish, perBrand("version", "publish"))
	s.add(http.MethodPost, "/api/v1/versions/:id/withdraw", s.apiWithdraw, perBrand("version", "withdraw"))
	s.add(http.MethodGet, "/api/v1/library", s.apiLibrary, perBrand("library", "read"))
	s.add(http.MethodGet, "/api/v1/library/changes", s.apiLibraryChanges, perBrand("library", "read"))
	s.add(http.MethodPost, "/api/v1/assets/:id/feedback", s.apiAddFeedback, perBrand("feedback", "create"))
	s.add(http.MethodGet, "/api/v1/feedback", s.apiListFeedback, perBrand("feedback", "read"))
	s.add(http.MethodGet, "/api/v1/library/:asset_id/content", s.apiLibraryContent, perBrand("library", "download"))
	s.add(http.MethodGet, "/api/v1/notices", s.apiNotices, perBrand("notice", "read"))
	s.add(http.MethodGet, "/api/v1/notices/report", s.apiNoticeReport, perBrand("notice", "report"))
	s.add(http.MethodPost, "/api/v1/notices/:id/ack", s.apiAckNotice, perBrand("notice", "ack"))
	s.add(http.MethodGet, "/api/v1/reviews", s.apiListReviews, perBrand("review", "read"))
	s.add(http.MethodPost, "/api/v1/versions/:id/reviews", s.apiDecide, perBrand("review", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/reviews", s.apiReviewHistory, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/comments", s.apiListComments, perBrand("comment", "read"))
	s.add(http.MethodPost, "/api/v1/versions/:id/comments", s.apiAddComment, perBrand("comment", "create"))
	s.add(http.MethodGet, "/api/v1/versions/:id/pages", s.apiPages, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/pages/:n/image", s.apiPageImage, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/pages/:n/thumbnail", s.apiPageThumbnail, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/annotations", s.apiListAnnotations, perBrand("comment", "read"))
	s.add(http.MethodPost, "/api/v1/versions/:id/annotations", s.apiAddAnnotation, perBrand("comment", "create"))
	s.add(http.MethodPost, "/api/v1/annotations/:id/resolve", s.apiResolveAnnotation, perBrand("comment", "create"))
	s.add(http.MethodPost, "/api/v1/annotations/:id/reopen", s.apiReopenAnnotation, perBrand("comment", "create"))
	s.add(http.MethodGet, "/api/v1/versions/:id/compare", s.apiCompare, perBrand("version", "read"))
	s.add(http.MethodGet, "/api/v1/versions/:id/compliance", s.apiGetCheckReport, perBrand("compliance", "read"))
	s.add(http.MethodPost, "/api/v1/versions/:id/compliance", s.apiRunCheck, perBrand("compliance", "run"))
	s.add(http.MethodPost, "/api/v1/versions/:id/compliance/findings/:fid/waive", s.apiWaiveFinding, perBrand("compliance", "waive"))
	s.add(http.MethodPut, "/api/v1/brands/:brand/application", s.apiSetApplication, global("brand", "create"))
	s.add(http.MethodGet, "/api/v1/versions/:id/form2253", s.apiForm2253, perBrand("form2253", "read"))
	s.add(http.MethodPost, "/api/v1/versions/:id/form2253/submitted", s.apiMark2253, perBrand("form2253", "submit"))
	s.add(http.MethodGet, "/api/v1/form2253/pending", s.apiPending2253, perBrand("form2253", "read"))
	s.add(http.MethodGet, "/api/v1/campaigns", s.apiListCampaigns, perBrand("campaign", "read"))
	s.add(http.MethodPost, "/api/v1/campaigns", s.apiCreateCampaign, perBrand("campaign", "create"))
	s.add(http.MethodPost, "/api/v1/campaigns/:id/publish", s.apiPublishCampaign, perBrand("campaign", "publish"))
	s.add(http.MethodGet, "/api/v1/analytics/utilization", s.apiUtilization, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/analytics/unused", s.apiUnused, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/analytics/feedback", s.apiFeedbackCounts, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/analytics/review-cycle", s.apiReviewCycle, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/analytics/findings", s.apiFindingCounts, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/analytics/expiry-backlog", s.apiExpiryBacklog, perBrand("analytics", "read"))
	s.add(http.MethodGet, "/api/v1/audit", s.apiListAudit, global("audit", "read"))
	s.add(http.MethodGet, "/api/v1/audit/verify", s.verifyAudit, global("audit", "verify"))
}

// uploadRoutes take files up to the configured upload limit; every other
// route is held to the small body limit.
var uploadRoutes = map[string]bool{
	"/api/v1/assets/:id/versions": true,
	"/assets/:id/versions":        true,
}

func (s *Server) bodyLimit(c echo.Context) int64 {
	if uploadRoutes[c.Path()] {
		return s.objects.MaxUpload() + 1<<20 // multipart framing and fields
	}
	return s.cfg.MaxBodyBytes
}

// add registers one route with its access rule.
func (s *Server) add(method, path string, h echo.HandlerFunc, a access) {
	s.access[method+" "+path] = a
	if !a.public {
		h = s.authorize(a, h)
	}
	s.echo.Add(method, path, h)
}

// staticHandler serves the embedded web assets with caching; the files
// change only with a new binary. Names outside the folder are not found.
func (s *Server) staticHandler() echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.Param("*")
		if !fs.ValidPath(name) || name == "." {
			return domain.Errorf(domain.ENOTFOUND, "No such file.")
		}
		if _, err := fs.Stat(web.Static, name); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "No such file.")
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(c.Response(), c.Request(), web.Static, name)
		return nil
	}
}
