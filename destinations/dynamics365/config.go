package dynamics365

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/numora/numora-connector/destinations/breaker"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// AuthMode selects how the destination gets its Entra ID tokens.
type AuthMode string

// Authentication modes. Production services use ClientSecret,
// ClientCertificate, ManagedIdentity or WorkloadIdentity; AzureCLI and
// Default are for developers (Default is azidentity's DefaultAzureCredential
// chain, which silently falls through to other credentials when one cannot
// be built).
const (
	AuthClientSecret      AuthMode = "client_secret"
	AuthClientCertificate AuthMode = "client_certificate"
	AuthManagedIdentity   AuthMode = "managed_identity"
	AuthWorkloadIdentity  AuthMode = "workload_identity"
	AuthAzureCLI          AuthMode = "azure_cli"
	AuthDefault           AuthMode = "default"
)

// DefaultRequestTimeout bounds one request unless Config.RequestTimeout
// says otherwise: longer than the two minutes after which Dataverse rolls
// an operation back, so the client hears how a slow operation ended
// instead of timing out while it may still succeed.
const DefaultRequestTimeout = 150 * time.Second

// Limits that are not configuration: Dataverse refuses more than 52
// concurrent requests per user, and more than 1,000 operations per change
// set.
const (
	hardMaxConcurrency = 52
	maxChangeSetOps    = 1000
)

// Config configures a Destination. The zero value of every field means its
// documented default; New validates the whole and reports every problem.
// Printing a Config (%v, %+v, slog) never shows the client secret or the
// certificate password.
type Config struct {
	// OrgURL is the environment URL, e.g. "https://contoso.crm.dynamics.com".
	// Required; https unless the host is a loopback address (tests).
	OrgURL string `yaml:"url"`
	// APIVersion is the Web API version; default "v9.2".
	APIVersion string `yaml:"api_version"`

	// Auth selects the credential. Default: client_secret when a client
	// secret is configured, client_certificate when a certificate path is,
	// otherwise New fails and names the modes.
	Auth AuthMode `yaml:"auth"`
	// TenantID is the Entra tenant (AZURE_TENANT_ID). Required for
	// client_secret and client_certificate.
	TenantID string `yaml:"tenant_id"`
	// ClientID is the app registration (or user-assigned managed identity)
	// client id (AZURE_CLIENT_ID).
	ClientID string `yaml:"client_id"`
	// ClientSecret is the app's secret (AZURE_CLIENT_SECRET).
	ClientSecret secret.String `yaml:"client_secret"`
	// CertificatePath is a PEM or PKCS#12 file holding the certificate and
	// its RSA private key (AZURE_CLIENT_CERTIFICATE_PATH).
	CertificatePath string `yaml:"certificate_path"`
	// CertificatePassword decrypts a PKCS#12 certificate
	// (AZURE_CLIENT_CERTIFICATE_PASSWORD).
	CertificatePassword secret.String `yaml:"certificate_password"`
	// AuthorityHost is the Entra ID authority (AZURE_AUTHORITY_HOST); default
	// the public cloud "https://login.microsoftonline.com/". Must be
	// https. Instance discovery is turned off automatically when the host
	// is not a public Microsoft cloud (private clouds, the emulator).
	AuthorityHost string `yaml:"authority_host"`
	// Credential, when set, replaces the credential Auth would build (and
	// Auth and the fields above are ignored). On a 401 the destination asks
	// it for a fresh token with a claims challenge in
	// policy.TokenRequestOptions.Claims.
	Credential azcore.TokenCredential `yaml:"-"`

	// HTTPClient is the client whose Transport carries every request, to
	// Dataverse and to the token service; its Timeout is ignored (see
	// RequestTimeout). Default: a clone of http.DefaultTransport.
	HTTPClient *http.Client `yaml:"-"`
	// RootCAs, when set, is the only trust store for TLS (for the emulator
	// and private clouds). Ignored when HTTPClient is set.
	RootCAs *x509.CertPool `yaml:"-"`
	// UserAgent is sent on every Dataverse request; default
	// "numora-connector".
	UserAgent string `yaml:"user_agent"`
	// RequestTimeout bounds one HTTP request, including reading the
	// response; default 2m30s, above Dataverse's two-minute limit on one
	// operation, so that a slow success is answered rather than cut off
	// (dataverse.md §13). TokenTimeout bounds one token request; default 30s.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	TokenTimeout   time.Duration `yaml:"token_timeout"`

	// Retry bounds the retries of one request (attempts, backoff, total
	// wait); zero fields are retry.Policy's defaults.
	Retry retry.Policy `yaml:"retry"`
	// Breaker configures the circuit breaker.
	Breaker BreakerConfig `yaml:"breaker"`
	// InitialConcurrency is where the adaptive limit on concurrent requests
	// starts; default 4. MaxConcurrency caps it; default and maximum 52
	// (Dataverse's per-user limit). A server's x-ms-dop-hint lowers the cap.
	InitialConcurrency int `yaml:"initial_concurrency"`
	MaxConcurrency     int `yaml:"max_concurrency"`
	// Limits are the service-protection limits the destination keeps to
	// from its first request; zero fields are Microsoft's defaults (6,000
	// requests and 20 minutes of execution per 300 s).
	Limits Limits `yaml:"limits"`
	// BatchDocuments is how many documents waiting at the same time one
	// $batch may carry, each in its own change set; default and at most
	// MaxBatchDocuments. 1 sends every document in a $batch of its own.
	BatchDocuments int `yaml:"batch_documents"`
	// LookupTTL is how long lookup answers (including "not found") are
	// reused; default 10m.
	LookupTTL time.Duration `yaml:"lookup_ttl"`

	// Clock is the time source for waits, the breaker and caches; default
	// the system clock.
	Clock retry.Clock `yaml:"-"`
	// Logger receives warnings (throttling, breaker changes, token
	// refreshes); default: discard.
	Logger *slog.Logger `yaml:"-"`
}

// BreakerConfig configures the circuit breaker that stops a run fast when
// Dataverse is down (see admission). Only transient failures count: 5xx,
// 429 after retries, network errors and timeouts; validation errors do
// not. Zero fields take breaker.Config's defaults.
type BreakerConfig = breaker.Config

// String describes the configuration without secrets.
func (c Config) String() string {
	return fmt.Sprintf("dynamics365.Config{OrgURL:%q APIVersion:%q Auth:%q TenantID:%q ClientID:%q ClientSecret:%q CertificatePath:%q AuthorityHost:%q}",
		c.OrgURL, c.APIVersion, c.Auth, c.TenantID, c.ClientID, c.ClientSecret.String(), c.CertificatePath, c.AuthorityHost)
}

// GoString is String, so %#v cannot print secrets either.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("org_url", c.OrgURL), slog.String("api_version", c.APIVersion),
		slog.String("auth", string(c.Auth)), slog.String("tenant_id", c.TenantID),
		slog.String("client_id", c.ClientID), slog.Any("client_secret", c.ClientSecret),
		slog.String("certificate_path", c.CertificatePath), slog.String("authority_host", c.AuthorityHost))
}

// ApplyEnv overrides c with the Azure SDK's environment variables that are
// set: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD and
// AZURE_AUTHORITY_HOST. New never reads the environment itself; callers
// that want it (the CLI does, between its settings file and its flags) call
// ApplyEnv, with os.Getenv or a stand-in.
func (c *Config) ApplyEnv(getenv func(string) string) {
	str := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	sec := func(dst *secret.String, name string) {
		if v := getenv(name); v != "" {
			*dst = secret.New(v)
		}
	}
	str(&c.TenantID, "AZURE_TENANT_ID")
	str(&c.ClientID, "AZURE_CLIENT_ID")
	sec(&c.ClientSecret, "AZURE_CLIENT_SECRET")
	str(&c.CertificatePath, "AZURE_CLIENT_CERTIFICATE_PATH")
	sec(&c.CertificatePassword, "AZURE_CLIENT_CERTIFICATE_PASSWORD")
	str(&c.AuthorityHost, "AZURE_AUTHORITY_HOST")
}

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.Auth == "" && c.Credential == nil {
		c.Auth = c.inferAuth()
	}
	c.OrgURL = strings.TrimRight(strings.TrimSpace(c.OrgURL), "/")
	c.APIVersion = orDefault(c.APIVersion, "v9.2")
	c.UserAgent = orDefault(c.UserAgent, "numora-connector")
	c.RequestTimeout = orDefaultDuration(c.RequestTimeout, DefaultRequestTimeout)
	c.TokenTimeout = orDefaultDuration(c.TokenTimeout, 30*time.Second)
	c.LookupTTL = orDefaultDuration(c.LookupTTL, 10*time.Minute)
	c.Retry = c.Retry.Normalize()
	c.Breaker = c.Breaker.WithDefaults()
	c.MaxConcurrency = clamp(c.MaxConcurrency, hardMaxConcurrency, 1, hardMaxConcurrency)
	c.InitialConcurrency = clamp(c.InitialConcurrency, 4, 1, c.MaxConcurrency)
	c.Limits = c.Limits.withDefaults()
	c.BatchDocuments = clamp(c.BatchDocuments, MaxBatchDocuments, 1, MaxBatchDocuments)
	if c.Clock == nil {
		c.Clock = retry.SystemClock{}
	}
	return c
}

func (c Config) inferAuth() AuthMode {
	switch {
	case !c.ClientSecret.IsZero():
		return AuthClientSecret
	case c.CertificatePath != "":
		return AuthClientCertificate
	}
	return ""
}

// validate returns every problem of a defaulted config, one per line.
func (c Config) validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if msg := checkOrgURL(c.OrgURL); msg != "" {
		add("%s", msg)
	}
	if !strings.HasPrefix(c.APIVersion, "v") {
		add("api version %q must look like \"v9.2\"", c.APIVersion)
	}
	if c.Credential == nil {
		problems = append(problems, c.authProblems()...)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("dynamics365: invalid config: %s", strings.Join(problems, "; "))
}

func checkOrgURL(raw string) string {
	if raw == "" {
		return "org URL is required (e.g. https://contoso.crm.dynamics.com)"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("org URL %q must be an absolute https URL such as https://contoso.crm.dynamics.com", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Sprintf("org URL %q must use https", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return fmt.Sprintf("org URL %q must be the environment root, without path or query", raw)
	}
	return ""
}

func (c Config) authProblems() []string {
	var p []string
	need := func(ok bool, env, what string) {
		if !ok {
			p = append(p, fmt.Sprintf("%s is not set (auth %s needs %s)", env, c.Auth, what))
		}
	}
	switch c.Auth {
	case AuthClientSecret:
		need(c.TenantID != "", "AZURE_TENANT_ID", "the Directory (tenant) ID")
		need(c.ClientID != "", "AZURE_CLIENT_ID", "the Application (client) ID")
		need(!c.ClientSecret.IsZero(), "AZURE_CLIENT_SECRET", "the client secret's Value")
	case AuthClientCertificate:
		need(c.TenantID != "", "AZURE_TENANT_ID", "the Directory (tenant) ID")
		need(c.ClientID != "", "AZURE_CLIENT_ID", "the Application (client) ID")
		need(c.CertificatePath != "", "AZURE_CLIENT_CERTIFICATE_PATH", "a PEM file with the certificate and its RSA key")
	case AuthManagedIdentity, AuthWorkloadIdentity, AuthAzureCLI, AuthDefault:
	case "":
		p = append(p, "no Dataverse credential: AZURE_CLIENT_SECRET is not set (or AZURE_CLIENT_CERTIFICATE_PATH for a certificate, each also as a file with the CLI: AZURE_CLIENT_SECRET_FILE; or choose auth managed_identity, workload_identity, azure_cli or default)")
	default:
		p = append(p, fmt.Sprintf("unknown auth mode %q (want client_secret, client_certificate, managed_identity, workload_identity, azure_cli or default)", c.Auth))
	}
	if c.AuthorityHost != "" {
		if u, err := url.Parse(c.AuthorityHost); err != nil || u.Scheme != "https" || u.Host == "" {
			p = append(p, fmt.Sprintf("authority host %q must be an https URL (Entra ID refuses plain http)", c.AuthorityHost))
		}
	}
	return p
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDefaultDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// clamp returns v, or def when v is zero or negative, bounded to [lo, hi].
func clamp(v, def, lo, hi int) int {
	if v <= 0 {
		v = def
	}
	return max(lo, min(v, hi))
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}
