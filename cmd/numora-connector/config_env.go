package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/secret"
)

// applyEnv overrides c with the environment variables that are set.
func (c *config) applyEnv(getenv func(string) string) {
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
	str(&c.Numora.BaseURL, "NUMORA_BASE_URL")
	sec(&c.Numora.APIKey, "NUMORA_API_KEY")
	str(&c.Numora.Provider, "NUMORA_PROVIDER")
	str(&c.Dynamics.OrgURL, "DYNAMICS_URL")
	if v := getenv("DYNAMICS_AUTH"); v != "" {
		c.Dynamics.Auth = dynamics365.AuthMode(v)
	}
	c.Dynamics.ApplyEnv(getenv) // AZURE_*, as the destination defines them
	str(&c.Mappings, "CONNECTOR_MAPPINGS")
	str(&c.Destination, "CONNECTOR_DESTINATION")
	str(&c.Salesforce.MyDomainURL, "SALESFORCE_MY_DOMAIN_URL")
	str(&c.Salesforce.ClientID, "SALESFORCE_CLIENT_ID")
	sec(&c.Salesforce.ClientSecret, "SALESFORCE_CLIENT_SECRET")
	str(&c.Salesforce.ClientSecretFile, "SALESFORCE_CLIENT_SECRET_FILE")
	str(&c.Salesforce.Username, "SALESFORCE_USERNAME")
	str(&c.Salesforce.PrivateKeyFile, "SALESFORCE_PRIVATE_KEY_FILE")
	str(&c.Numora.APIKeyFile, "NUMORA_API_KEY_FILE")
	str(&c.Dynamics.ClientSecretFile, "AZURE_CLIENT_SECRET_FILE")
	str(&c.Dynamics.CertificatePasswordFile, "AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE")
	c.applyServeEnv(getenv)
}

// destination returns the destination's kind and its service URL.
func (c *config) destination() (kind, url string) {
	k, _ := destinationKindOf(c)
	return k.name, k.url(c)
}

// destinationLabel names the destination's service and URL in messages.
func (c *config) destinationLabel() string {
	k, _ := destinationKindOf(c)
	return k.service + " " + k.url(c)
}

// refusedExitCode is the exit code of a pass whose only problems are
// refused documents.
func (c *config) refusedExitCode() int {
	if c.Run.RefusedExitCode == nil {
		return exitRefused
	}
	return *c.Run.RefusedExitCode
}

// applyDefaults fills what nobody set.
func (c *config) applyDefaults() {
	if c.Numora.Provider == "" {
		c.Numora.Provider = connector.DefaultProvider
	}
	if c.Mappings == "" {
		c.Mappings = "mappings.yaml"
	}
	if c.Log.Format == "" {
		c.Log.Format = "auto"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	c.serveDefaults()
}

// needs says which parts of the configuration a command uses.
type needs struct {
	numora, dynamics, mappings, serve bool
}

// validate returns every problem of the configuration, one message each.
func (c *config) validate(n needs) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if n.numora {
		if msg := checkURL(c.Numora.BaseURL, "NUMORA_BASE_URL", "numora.base_url"); msg != "" {
			add("%s", msg)
		}
		if c.Numora.APIKey.IsZero() {
			add("numora API key: required; set NUMORA_API_KEY")
		}
	}
	if n.dynamics {
		if k, known := destinationKindOf(c); !known {
			add("destination %q: want one of %s", c.Destination, destinationNames())
		} else if msg := checkURL(k.url(c), k.urlEnv, k.urlKey); msg != "" {
			add("%s", msg)
		}
	}
	p = append(p, c.validateNumbers()...)
	if n.serve {
		p = append(p, c.validateServe()...)
	}
	if !oneOf(c.Log.Format, "auto", "text", "json") {
		add("log format %q: want auto, text or json", c.Log.Format)
	}
	if _, ok := levels[c.Log.Level]; !ok {
		add("log level %q: want debug, info, warn or error", c.Log.Level)
	}
	return p
}

func (c *config) validateNumbers() []string {
	var p []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	check(between(c.Run.Concurrency, 0, 256), "concurrency %d: want 1 to 256", c.Run.Concurrency)
	check(between(c.Numora.PageSize, 0, 1000), "numora.page_size %d: want 1 to 1000", c.Numora.PageSize)
	check(between(c.Dynamics.Retry.MaxAttempts, 0, 20), "dynamics.retry.max_attempts %d: want 1 to 20", c.Dynamics.Retry.MaxAttempts)
	check(between(c.Numora.Retry.MaxAttempts, 0, 20), "numora.retry.max_attempts %d: want 1 to 20", c.Numora.Retry.MaxAttempts)
	check(between(c.Dynamics.MaxConcurrency, 0, 52), "dynamics.max_concurrency %d: want 1 to 52 (Dataverse's limit)", c.Dynamics.MaxConcurrency)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", c.Run.Interval}, {"stop_grace", c.Run.StopGrace}, {"dispatch_timeout", c.Run.DispatchTimeout},
		{"dispatch_poll", c.Run.DispatchPoll}, {"numora.timeout", c.Numora.Timeout}, {"dynamics.request_timeout", c.Dynamics.RequestTimeout},
		{"dynamics.retry.base_delay", c.Dynamics.Retry.BaseDelay}, {"dynamics.retry.max_delay", c.Dynamics.Retry.MaxDelay},
		{"dynamics.retry.max_total_wait", c.Dynamics.Retry.MaxTotalWait}, {"dynamics.breaker.open_timeout", c.Dynamics.Breaker.OpenTimeout},
		{"dynamics.limits.window", c.Dynamics.Limits.Window},
		{"numora.retry.base_delay", c.Numora.Retry.BaseDelay}, {"numora.retry.max_delay", c.Numora.Retry.MaxDelay},
		{"numora.retry.max_total_wait", c.Numora.Retry.MaxTotalWait}} {
		check(d.v >= 0, "%s %v: must not be negative", d.name, d.v)
	}
	if r := c.Run.RefusedExitCode; r != nil && !between(*r, 0, 125) {
		p = append(p, fmt.Sprintf("refused_exit_code %d: want 0 to 125", *r))
	}
	if c.Run.Interval > 0 && c.Run.Interval < time.Second {
		p = append(p, fmt.Sprintf("interval %v: want at least 1s", c.Run.Interval))
	}
	return p
}

func between(v, lo, hi int) bool { return v >= lo && v <= hi }

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// checkURL checks a service URL: present, absolute, https unless the host
// is a loopback address.
func checkURL(raw, env, key string) string {
	if raw == "" {
		return fmt.Sprintf("%s: required; set %s or %s in connector.yaml", key, env, key)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%s %q: want an absolute https URL such as https://example.com", key, raw)
	}
	if u.User != nil {
		return fmt.Sprintf("%s: must not carry a user or password; use the API key or Azure credentials", key)
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Sprintf("%s %q: plain http is allowed only for loopback hosts (localhost, 127.0.0.1, ::1); use https", key, u.Redacted())
	}
	return ""
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
