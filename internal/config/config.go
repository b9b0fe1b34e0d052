// Package config loads Fairshelf's settings from FAIRSHELF_* environment
// variables into one typed struct. The zero configuration is the embedded
// mode: SQLite and local files under ./data, listening on :8080. A postgres://
// database URL selects PostgreSQL and an S3 endpoint selects an S3-compatible
// object store.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting Fairshelf reads at start-up. It is passed
// explicitly to the constructors that need it; nothing reads the environment
// later.
type Config struct {
	Listen          string        // address the HTTP server listens on
	DataDir         string        // SQLite file and local objects live here
	DatabaseURL     string        // postgres:// URL; empty selects SQLite in DataDir
	S3              S3            // object store; an empty Endpoint selects local files
	MaxUploadBytes  int64         // largest accepted upload
	MaxBodyBytes    int64         // largest accepted non-upload request body
	ShutdownTimeout time.Duration // how long in-flight requests may finish on SIGTERM
	LogLevel        string        // debug, info, warn or error
	LogFormat       string        // text or json
	TrustedProxies  []netip.Prefix
	SecureCookies   bool // mark cookies Secure; on whenever TLS terminates in front

	SessionIdleTimeout time.Duration // a web session ends after this long without a request
	SessionMaxAge      time.Duration // and at the latest this long after sign-in
	TokenTTL           time.Duration // lifetime of an API bearer token
	LoginWindow        time.Duration // failed sign-ins are counted over this window
	LoginMaxPerAccount int           // failures per account in the window before throttling
	LoginMaxPerAddress int           // failures per client address in the window before throttling
	ReviewSLA          time.Duration // how long reviewers have for a submitted piece

	WebhookURL    string // receiver of published/expired/withdrawn events; empty: none
	WebhookSecret string // HMAC-SHA256 key shared with the receiver

	// MetricsListen is the address of the separate listener that serves
	// /metrics, kept off the public port; "off" or "" serves none.
	MetricsListen string
	// MetricsToken, when set, also admits GET /metrics on the main port
	// with "Authorization: Bearer <token>"; without it the main port
	// answers 404 there.
	MetricsToken string
	Audit        Audit // anchoring of the audit trail outside the database

	// Render bounds the making of page images.
	Render Render

	// MigrateDatabaseURL is the PostgreSQL URL of the schema owner's role.
	// When set, migrations run with it and the server connects with
	// DatabaseURL, a role that may not alter, update or delete the audit
	// trail. Empty: DatabaseURL also migrates.
	MigrateDatabaseURL string

	// Stored-file integrity: serve re-reads every stored object against its
	// recorded block hashes at most once per ScrubInterval, reading at most
	// ScrubRate bytes per second (0: no limit), which also paces the
	// backfill of block hashes for objects stored before they existed.
	ScrubInterval time.Duration
	ScrubRate     int64
}

// Audit configures the signed checkpoints that anchor the audit trail
// outside the database.
type Audit struct {
	// SigningKeyFile is a PEM file with an Ed25519 private key in PKCS#8
	// ("PRIVATE KEY"). Empty: a key is generated once into the data folder,
	// which suits the embedded mode only (see KeyGenerated).
	SigningKeyFile string
	// CheckpointInterval is how often a checkpoint is written when there
	// are new events; at most a minute.
	CheckpointInterval time.Duration
	// CheckpointRetention is how long S3 Object Lock keeps each checkpoint,
	// when the bucket has object lock enabled.
	CheckpointRetention time.Duration
}

// S3 selects and configures an S3-compatible object store.
type S3 struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	UseSSL    bool
}

// Render bounds PDFium, which makes page images: how many documents it
// renders at once, the memory each may use, and the LibreOffice program
// that converts Word and PowerPoint files to PDF first.
type Render struct {
	Instances   int   // PDFium instances at once
	MemoryBytes int64 // WebAssembly memory limit of each instance
	Office      string
	// CacheDir keeps PDFium's compiled code between starts; empty means
	// cache/pdfium in the data folder.
	CacheDir string
}

// Default returns the embedded-mode configuration.
func Default() Config {
	return Config{
		Listen:          ":8080",
		DataDir:         "./data",
		MaxUploadBytes:  2 << 30, // 2 GiB
		MaxBodyBytes:    1 << 20, // 1 MiB
		ShutdownTimeout: 20 * time.Second,
		LogLevel:        "info",
		LogFormat:       "text",
		S3:              S3{Bucket: "fairshelf", UseSSL: true},

		SessionIdleTimeout: 30 * time.Minute,
		SessionMaxAge:      12 * time.Hour,
		TokenTTL:           12 * time.Hour,
		LoginWindow:        15 * time.Minute,
		LoginMaxPerAccount: 5,
		LoginMaxPerAddress: 50,
		ReviewSLA:          5 * 24 * time.Hour,

		MetricsListen: "127.0.0.1:9090",
		Audit:         Audit{CheckpointInterval: time.Minute, CheckpointRetention: 7 * 365 * 24 * time.Hour},
		ScrubInterval: 24 * time.Hour,
		ScrubRate:     32 << 20, // 32 MiB/s: 2.7 TiB a day, a small share of any object store
		Render:        Render{Instances: 2, MemoryBytes: 512 << 20},
	}
}

// Error is a configuration error that names the variable at fault, so that
// the operator sees one line telling what to fix.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Msg) }

// Load reads the FAIRSHELF_* variables through getenv on top of Default and
// validates the result. Secrets may also be given as a file path in the
// variable's name with a _FILE suffix, for container secrets.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	l := loader{getenv: getenv}
	l.str("FAIRSHELF_LISTEN", &c.Listen)
	l.str("FAIRSHELF_DATA_DIR", &c.DataDir)
	l.secret("FAIRSHELF_DATABASE_URL", &c.DatabaseURL)
	l.str("FAIRSHELF_S3_ENDPOINT", &c.S3.Endpoint)
	l.str("FAIRSHELF_S3_BUCKET", &c.S3.Bucket)
	l.secret("FAIRSHELF_S3_ACCESS_KEY", &c.S3.AccessKey)
	l.secret("FAIRSHELF_S3_SECRET_KEY", &c.S3.SecretKey)
	l.str("FAIRSHELF_S3_REGION", &c.S3.Region)
	l.boolean("FAIRSHELF_S3_USE_SSL", &c.S3.UseSSL)
	l.size("FAIRSHELF_MAX_UPLOAD_BYTES", &c.MaxUploadBytes)
	l.size("FAIRSHELF_MAX_BODY_BYTES", &c.MaxBodyBytes)
	l.duration("FAIRSHELF_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	l.str("FAIRSHELF_LOG_LEVEL", &c.LogLevel)
	l.str("FAIRSHELF_LOG_FORMAT", &c.LogFormat)
	l.prefixes("FAIRSHELF_TRUSTED_PROXIES", &c.TrustedProxies)
	l.boolean("FAIRSHELF_SECURE_COOKIES", &c.SecureCookies)
	l.duration("FAIRSHELF_SESSION_IDLE_TIMEOUT", &c.SessionIdleTimeout)
	l.duration("FAIRSHELF_SESSION_MAX_AGE", &c.SessionMaxAge)
	l.duration("FAIRSHELF_TOKEN_TTL", &c.TokenTTL)
	l.duration("FAIRSHELF_LOGIN_WINDOW", &c.LoginWindow)
	l.integer("FAIRSHELF_LOGIN_MAX_PER_ACCOUNT", &c.LoginMaxPerAccount)
	l.integer("FAIRSHELF_LOGIN_MAX_PER_ADDRESS", &c.LoginMaxPerAddress)
	l.duration("FAIRSHELF_REVIEW_SLA", &c.ReviewSLA)
	l.str("FAIRSHELF_WEBHOOK_URL", &c.WebhookURL)
	l.secret("FAIRSHELF_WEBHOOK_SECRET", &c.WebhookSecret)
	l.str("FAIRSHELF_METRICS_LISTEN", &c.MetricsListen)
	l.secret("FAIRSHELF_METRICS_TOKEN", &c.MetricsToken)
	l.str("FAIRSHELF_AUDIT_SIGNING_KEY_FILE", &c.Audit.SigningKeyFile)
	l.duration("FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL", &c.Audit.CheckpointInterval)
	l.duration("FAIRSHELF_AUDIT_CHECKPOINT_RETENTION", &c.Audit.CheckpointRetention)
	l.secret("FAIRSHELF_MIGRATE_DATABASE_URL", &c.MigrateDatabaseURL)
	l.duration("FAIRSHELF_SCRUB_INTERVAL", &c.ScrubInterval)
	l.size("FAIRSHELF_SCRUB_RATE", &c.ScrubRate)
	l.integer("FAIRSHELF_RENDER_INSTANCES", &c.Render.Instances)
	l.size("FAIRSHELF_RENDER_MEMORY", &c.Render.MemoryBytes)
	l.str("FAIRSHELF_OFFICE", &c.Render.Office)
	l.str("FAIRSHELF_RENDER_CACHE_DIR", &c.Render.CacheDir)
	if l.err != nil {
		return Config{}, l.err
	}
	return c, c.Validate()
}

// Validate checks each value and the combinations between them. The error
// names the environment variable that holds the bad value.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &Error{"FAIRSHELF_LISTEN", fmt.Sprintf("%q is not host:port (e.g. :8080)", c.Listen)}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return &Error{"FAIRSHELF_DATA_DIR", "must not be empty"}
	}
	if c.Render.Instances < 1 || c.Render.Instances > 64 {
		return &Error{"FAIRSHELF_RENDER_INSTANCES", "must be from 1 to 64"}
	}
	if c.Render.MemoryBytes < 64<<20 || c.Render.MemoryBytes > 4<<30 {
		return &Error{"FAIRSHELF_RENDER_MEMORY", "must be from 64MiB to 4GiB"}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return &Error{"FAIRSHELF_DATABASE_URL", "must be a postgres://user@host:port/database URL"}
		}
	}
	if c.S3.Endpoint != "" {
		if strings.Contains(c.S3.Endpoint, "://") {
			return &Error{"FAIRSHELF_S3_ENDPOINT", "give host:port without a scheme; use FAIRSHELF_S3_USE_SSL for https"}
		}
		if _, _, err := net.SplitHostPort(c.S3.Endpoint); err != nil && strings.Contains(c.S3.Endpoint, "/") {
			return &Error{"FAIRSHELF_S3_ENDPOINT", fmt.Sprintf("%q is not a host or host:port", c.S3.Endpoint)}
		}
		if !validBucket(c.S3.Bucket) {
			return &Error{
				"FAIRSHELF_S3_BUCKET",
				fmt.Sprintf("%q is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)", c.S3.Bucket),
			}
		}
		if c.S3.AccessKey == "" {
			return &Error{"FAIRSHELF_S3_ACCESS_KEY", "is required when FAIRSHELF_S3_ENDPOINT is set"}
		}
		if c.S3.SecretKey == "" {
			return &Error{"FAIRSHELF_S3_SECRET_KEY", "is required when FAIRSHELF_S3_ENDPOINT is set"}
		}
	}
	if c.MaxUploadBytes < 1 {
		return &Error{"FAIRSHELF_MAX_UPLOAD_BYTES", "must be positive"}
	}
	if c.MaxBodyBytes < 1 {
		return &Error{"FAIRSHELF_MAX_BODY_BYTES", "must be positive"}
	}
	if c.ShutdownTimeout <= 0 {
		return &Error{"FAIRSHELF_SHUTDOWN_TIMEOUT", "must be positive"}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"FAIRSHELF_SESSION_IDLE_TIMEOUT", c.SessionIdleTimeout},
		{"FAIRSHELF_SESSION_MAX_AGE", c.SessionMaxAge},
		{"FAIRSHELF_TOKEN_TTL", c.TokenTTL},
		{"FAIRSHELF_LOGIN_WINDOW", c.LoginWindow},
		{"FAIRSHELF_REVIEW_SLA", c.ReviewSLA},
	} {
		if d.v < time.Second {
			return &Error{d.name, "must be at least 1s"}
		}
	}
	if c.SessionIdleTimeout > c.SessionMaxAge {
		return &Error{"FAIRSHELF_SESSION_IDLE_TIMEOUT", "must not exceed FAIRSHELF_SESSION_MAX_AGE"}
	}
	if c.LoginMaxPerAccount < 1 {
		return &Error{"FAIRSHELF_LOGIN_MAX_PER_ACCOUNT", "must be at least 1"}
	}
	if c.LoginMaxPerAddress < 1 {
		return &Error{"FAIRSHELF_LOGIN_MAX_PER_ADDRESS", "must be at least 1"}
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &Error{"FAIRSHELF_WEBHOOK_URL", "must be an http:// or https:// URL"}
		}
		if len(c.WebhookSecret) < 16 {
			return &Error{"FAIRSHELF_WEBHOOK_SECRET", "must be at least 16 characters when FAIRSHELF_WEBHOOK_URL is set"}
		}
	}
	if c.ServesMetrics() {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return &Error{"FAIRSHELF_METRICS_LISTEN", fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:9090) or off", c.MetricsListen)}
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return &Error{"FAIRSHELF_METRICS_TOKEN", "must be at least 16 characters"}
	}
	if c.MigrateDatabaseURL != "" {
		u, err := url.Parse(c.MigrateDatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return &Error{"FAIRSHELF_MIGRATE_DATABASE_URL", "must be a postgres://user@host:port/database URL"}
		}
		if c.DatabaseURL == "" {
			return &Error{
				"FAIRSHELF_MIGRATE_DATABASE_URL",
				"needs FAIRSHELF_DATABASE_URL: it is the owner's role of that PostgreSQL database",
			}
		}
	}
	if c.Audit.CheckpointInterval < time.Second || c.Audit.CheckpointInterval > time.Minute {
		return &Error{"FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL", "must be from 1s to 1m: the trail is anchored at least every minute"}
	}
	if c.Audit.CheckpointRetention < 0 {
		return &Error{"FAIRSHELF_AUDIT_CHECKPOINT_RETENTION", "must not be negative"}
	}
	if c.ScrubInterval < time.Minute {
		return &Error{"FAIRSHELF_SCRUB_INTERVAL", "must be at least 1m"}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return &Error{"FAIRSHELF_LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", c.LogLevel)}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return &Error{"FAIRSHELF_LOG_FORMAT", fmt.Sprintf("%q is not one of text, json", c.LogFormat)}
	}
	return nil
}

// SQLitePath is the database file used in embedded mode.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "fairshelf.db") }

// ObjectsDir is the folder of the local object store used in embedded mode.
func (c Config) ObjectsDir() string { return filepath.Join(c.DataDir, "objects") }

// ServesMetrics reports whether /metrics has a listener of its own.
func (c Config) ServesMetrics() bool { return c.MetricsListen != "" && c.MetricsListen != "off" }

// UsesPostgres reports whether metadata lives in PostgreSQL.
func (c Config) UsesPostgres() bool { return c.DatabaseURL != "" }

// AuditKeyPath is the file of the audit signing key: the configured one, or
// the one generated into the data folder.
func (c Config) AuditKeyPath() string {
	if c.Audit.SigningKeyFile != "" {
		return c.Audit.SigningKeyFile
	}
	return filepath.Join(c.DataDir, "audit-signing-key.pem")
}

// AuditKeyGenerated reports whether the signing key is generated into the
// data folder rather than provided. With PostgreSQL that is a deployment
// mistake the server warns about loudly at start-up, without refusing to
// start: each instance would sign with its own key and a container's data
// folder may not survive a restart, so checkpoints would stop verifying;
// but refusing would stop every existing installation on upgrade.
func (c Config) AuditKeyGenerated() bool { return c.Audit.SigningKeyFile == "" }

// UsesS3 reports whether objects live in an S3-compatible store.
func (c Config) UsesS3() bool { return c.S3.Endpoint != "" }

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '.') && i > 0 && i < len(b)-1:
		default:
			return false
		}
	}
	return true
}

// loader keeps the first error so that Load reads as a flat list.
type loader struct {
	getenv func(string) string
	err    error
}

func (l *loader) fail(name, msg string) {
	if l.err == nil {
		l.err = &Error{name, msg}
	}
}

func (l *loader) str(name string, dst *string) {
	if v := l.getenv(name); v != "" {
		*dst = strings.TrimSpace(v)
	}
}

// secret reads name, or the file named by name_FILE; setting both is an
// error because the operator's intent is unclear.
func (l *loader) secret(name string, dst *string) {
	v, file := l.getenv(name), l.getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		l.fail(name, "set either "+name+" or "+name+"_FILE, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			l.fail(name+"_FILE", fmt.Sprintf("cannot read %s: %v", file, unwrapPathError(err)))
			return
		}
		*dst = strings.TrimRight(string(b), "\r\n")
	case v != "":
		*dst = v
	}
}

func (l *loader) boolean(name string, dst *bool) {
	setParsed(l, name, dst, l.getenv(name), strconv.ParseBool, func(v string, _ error) string {
		return fmt.Sprintf("%q is not true or false", v)
	})
}

func (l *loader) duration(name string, dst *time.Duration) {
	setParsed(l, name, dst, l.getenv(name), time.ParseDuration, func(v string, _ error) string {
		return fmt.Sprintf("%q is not a duration such as 30s or 5m", v)
	})
}

func (l *loader) integer(name string, dst *int) {
	setParsed(l, name, dst, strings.TrimSpace(l.getenv(name)), strconv.Atoi, func(v string, _ error) string {
		return fmt.Sprintf("%q is not a whole number", v)
	})
}

// size accepts a byte count with an optional KiB, MiB or GiB suffix.
func (l *loader) size(name string, dst *int64) {
	setParsed(l, name, dst, strings.TrimSpace(l.getenv(name)), ParseSize, func(_ string, err error) string {
		return err.Error()
	})
}

// setParsed stores parse(v) in *dst when v, the value of variable name, is
// set; otherwise *dst keeps its default. A value parse refuses is reported
// against name with the message refused returns, and *dst is left alone.
func setParsed[T any](l *loader, name string, dst *T, v string, parse func(string) (T, error), refused func(v string, err error) string) {
	if v == "" {
		return
	}
	x, err := parse(v)
	if err != nil {
		l.fail(name, refused(v, err))
		return
	}
	*dst = x
}

func (l *loader) prefixes(name string, dst *[]netip.Prefix) {
	v := l.getenv(name)
	if v == "" {
		return
	}
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				l.fail(name, fmt.Sprintf("%q is not an IP address or CIDR prefix", s))
				return
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	*dst = out
}

// ParseSize parses "1048576", "512KiB", "64MiB" or "2GiB" into bytes.
func ParseSize(s string) (int64, error) {
	orig, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size such as 1048576, 64MiB or 2GiB", orig)
	}
	return n * mult, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
