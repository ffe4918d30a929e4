package salesforce

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// Auth flows.
const (
	FlowClientCredentials = "client_credentials"
	FlowJWTBearer         = "jwt_bearer"
)

// Config configures a Destination.
type Config struct {
	// MyDomainURL is the org's My Domain, e.g.
	// "https://acme.my.salesforce.com"; the token endpoint is under it
	// (login.salesforce.com refuses the client credentials flow).
	MyDomainURL string `yaml:"my_domain_url"`
	// APIVersion is the pinned REST API version, e.g. "v62.0" (default).
	APIVersion string `yaml:"api_version"`
	// Flow is FlowClientCredentials (default) or FlowJWTBearer.
	Flow         string        `yaml:"flow"`
	ClientID     string        `yaml:"client_id"`     // the external client app's consumer key
	ClientSecret secret.String `yaml:"client_secret"` // client credentials
	// Username and PrivateKey (PEM, RSA) sign JWT bearer assertions for
	// Audience (default https://login.salesforce.com).
	Username   string        `yaml:"username"`
	PrivateKey secret.String `yaml:"private_key"`
	// PrivateKeyFile is read into PrivateKey by New when that is empty.
	PrivateKeyFile string `yaml:"private_key_file"`
	Audience       string `yaml:"audience"`
	// IDField is the External ID (Unique, text of at least 36) field that
	// holds the identity of records the rules key by document (key kind
	// identity), as destinations.IdentityGUID writes it; default
	// Numora_Id__c.
	IDField string `yaml:"id_field"`
	// APIReserve is how many daily API requests are left to others: once
	// Sforce-Limit-Info shows fewer remaining, Deliver refuses new
	// documents (transient crm_api_reserve). Default 1000; -1 disables.
	APIReserve int `yaml:"api_reserve"`
	// RequestTimeout bounds one HTTP request (Salesforce ends requests
	// at 10 minutes); default 2m.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// LookupTTL is how long lookup answers are reused; default 5m.
	LookupTTL time.Duration `yaml:"lookup_ttl"`
	Retry     retry.Policy  `yaml:"retry"`
	Breaker   BreakerConfig `yaml:"breaker"`
	// Clock times retries and the breaker; default the system clock.
	Clock retry.Clock `yaml:"-"`
	// HTTPClient carries token and API requests (its Transport is used);
	// default a clone of http.DefaultTransport.
	HTTPClient *http.Client `yaml:"-"`
	Logger     *slog.Logger `yaml:"-"`
}

// BreakerConfig configures the circuit breaker.
type BreakerConfig struct {
	// Failures is how many consecutive transient failures open the
	// breaker (default 5; -1 disables it).
	Failures int `yaml:"failures"`
	// OpenTimeout is how long it stays open (default 30s).
	OpenTimeout time.Duration `yaml:"open_timeout"`
	// HalfOpenRequests is how many probes it lets through (default 1).
	HalfOpenRequests int `yaml:"half_open_requests"`
}

var versionRE = regexp.MustCompile(`^v\d{2,3}\.\d$`)

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.APIVersion, "v62.0")
	def(&c.Flow, FlowClientCredentials)
	def(&c.Audience, "https://login.salesforce.com")
	def(&c.IDField, "Numora_Id__c")
	if c.APIReserve == 0 {
		c.APIReserve = 1000
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 2 * time.Minute
	}
	if c.LookupTTL <= 0 {
		c.LookupTTL = 5 * time.Minute
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = 5
	}
	if c.Breaker.OpenTimeout <= 0 {
		c.Breaker.OpenTimeout = 30 * time.Second
	}
	if c.Breaker.HalfOpenRequests <= 0 {
		c.Breaker.HalfOpenRequests = 1
	}
	if c.Clock == nil {
		c.Clock = retry.SystemClock{}
	}
	c.Retry = c.Retry.Normalize()
	return c
}

func (c Config) validate() error {
	u, err := url.Parse(c.MyDomainURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("salesforce: my_domain_url %q must be an https URL with no path, e.g. https://acme.my.salesforce.com", c.MyDomainURL)
	}
	if !versionRE.MatchString(c.APIVersion) {
		return fmt.Errorf("salesforce: api_version %q must look like v62.0", c.APIVersion)
	}
	if c.ClientID == "" {
		return fmt.Errorf("salesforce: client_id (the consumer key) is required")
	}
	switch c.Flow {
	case FlowClientCredentials:
		if c.ClientSecret.IsZero() {
			return fmt.Errorf("salesforce: client_secret is required for the client credentials flow")
		}
	case FlowJWTBearer:
		if c.Username == "" || c.PrivateKey.IsZero() {
			return fmt.Errorf("salesforce: username and private_key are required for the JWT bearer flow")
		}
	default:
		return fmt.Errorf("salesforce: flow %q: want %s or %s", c.Flow, FlowClientCredentials, FlowJWTBearer)
	}
	return nil
}
