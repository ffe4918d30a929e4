package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/numora/numora-connector/internal/secret"
)

// defaultConfigFile is read when --config is not given and it exists.
const defaultConfigFile = "connector.yaml"

// config is the whole configuration: connector.yaml, then the environment,
// then flags, each overriding the one before. Zero values mean the defaults
// documented on each field (and in docs/cli.md).
type config struct {
	Numora   numoraConfig   `yaml:"numora"`
	Dynamics dynamicsConfig `yaml:"dynamics"`
	// Mappings is the rules file; default ./mappings.yaml (CONNECTOR_MAPPINGS).
	Mappings string    `yaml:"mappings"`
	Run      runConfig `yaml:"run"`
	Log      logConfig `yaml:"log"`

	// file is the config file read, "" if none.
	file string
}

type numoraConfig struct {
	// BaseURL is the workspace API address (NUMORA_BASE_URL). Required.
	BaseURL string `yaml:"base_url"`
	// APIKey is the API key (NUMORA_API_KEY). Keep it in the environment.
	APIKey secret.String `yaml:"api_key"`
	// Provider is the outbox's provider name (NUMORA_PROVIDER); default dynamics365.
	Provider string `yaml:"provider"`
	// PageSize is the outbox page size; default 100.
	PageSize int `yaml:"page_size"`
	// Timeout bounds one request to Numora; default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// Retry bounds the retries of one Numora request (same fields and
	// defaults as dynamics.retry).
	Retry retryConfig `yaml:"retry"`
}

type dynamicsConfig struct {
	// URL is the environment (org) URL (DYNAMICS_URL). Required to write.
	URL        string `yaml:"url"`
	APIVersion string `yaml:"api_version"`
	// Auth is client_secret, client_certificate, managed_identity,
	// workload_identity, azure_cli or default (DYNAMICS_AUTH); default:
	// client_secret when a secret is set, client_certificate when a
	// certificate path is.
	Auth            string `yaml:"auth"`
	TenantID        string `yaml:"tenant_id"`        // AZURE_TENANT_ID
	ClientID        string `yaml:"client_id"`        // AZURE_CLIENT_ID
	CertificatePath string `yaml:"certificate_path"` // AZURE_CLIENT_CERTIFICATE_PATH
	AuthorityHost   string `yaml:"authority_host"`   // AZURE_AUTHORITY_HOST
	// ClientSecret (AZURE_CLIENT_SECRET) and CertificatePassword
	// (AZURE_CLIENT_CERTIFICATE_PASSWORD): keep them in the environment.
	ClientSecret        secret.String `yaml:"client_secret"`
	CertificatePassword secret.String `yaml:"certificate_password"`
	// MaxConcurrency caps concurrent Dataverse requests; default 52.
	MaxConcurrency int `yaml:"max_concurrency"`
	// RequestTimeout bounds one Dataverse request; default 2m30s (above
	// Dataverse's two-minute operation limit).
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// Retry bounds the retries of one Dataverse request.
	Retry retryConfig `yaml:"retry"`
	// Breaker configures the circuit breaker that stops a run when
	// Dataverse keeps failing.
	Breaker breakerConfig `yaml:"breaker"`
}

type retryConfig struct {
	// MaxAttempts per request, first one included; default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseDelay and MaxDelay bound the full-jitter backoff; default 500ms, 30s.
	BaseDelay time.Duration `yaml:"base_delay"`
	MaxDelay  time.Duration `yaml:"max_delay"`
	// MaxTotalWait caps the waiting for one request; default 2m.
	MaxTotalWait time.Duration `yaml:"max_total_wait"`
}

type breakerConfig struct {
	// Failures is the number of consecutive failed requests that opens the
	// breaker; default 5; negative disables it.
	Failures int `yaml:"failures"`
	// OpenTimeout is how long it stays open before probing; default 30s.
	OpenTimeout time.Duration `yaml:"open_timeout"`
}

type runConfig struct {
	// Concurrency is the number of documents read and written at once; default 48.
	Concurrency int `yaml:"concurrency"`
	// Interval > 0 runs a pass every interval, forever; default one pass.
	Interval time.Duration `yaml:"interval"`
	// StopGrace is how long documents in flight may take after SIGTERM; default 30s.
	StopGrace time.Duration `yaml:"stop_grace"`
	// SummaryJSON is a file to write the run summary to.
	SummaryJSON string `yaml:"summary_json"`
	// DispatchTimeout bounds the wait for one dispatched document; default 10m.
	DispatchTimeout time.Duration `yaml:"dispatch_timeout"`
	// DispatchPoll is dispatch mode's polling interval; default 5s.
	DispatchPoll time.Duration `yaml:"dispatch_poll"`
}

type logConfig struct {
	// Format is auto (text on a terminal, JSON otherwise), text or json.
	Format string `yaml:"format"`
	// Level is debug, info, warn or error; default info.
	Level string `yaml:"level"`
}

// loadConfigFile reads path strictly (unknown keys are errors). When path
// is "", ./connector.yaml is read if it exists. The second result is a
// warning (see permissionWarning), or "".
func loadConfigFile(path string) (*config, string, error) {
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	data, err := os.ReadFile(path)
	if !explicit && errors.Is(err, fs.ErrNotExist) {
		return &config{}, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("config: %w", err)
	}
	c, err := parseConfig(path, data)
	if err != nil {
		return nil, "", err
	}
	return c, permissionWarning(path, c), nil
}

// parseConfig decodes a config file strictly.
func parseConfig(name string, data []byte) (*config, error) {
	c := &config{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(c)
	if errors.Is(err, io.EOF) {
		return c, nil
	}
	if err != nil {
		return nil, configError(name, err)
	}
	return c, nil
}

var (
	yamlLine    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknown = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// configError rewrites yaml's messages as "file:line: problem", one per line.
func configError(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var b bytes.Buffer
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte('\n')
		}
		line, what := "", m
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			line, what = ":"+g[1], g[2]
		}
		if g := yamlUnknown.FindStringSubmatch(what); g != nil {
			what = fmt.Sprintf("unknown setting %q", g[1])
		}
		fmt.Fprintf(&b, "%s%s: %s", name, line, what)
	}
	return &usageError{msg: b.String()}
}

// permissionWarning warns about a config file that others could change
// (they could point the connector, and its secrets, at another server) or
// that holds secrets in plain text: readable by others, or at all.
func permissionWarning(path string, c *config) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	perm := fi.Mode().Perm()
	secrets := !c.Numora.APIKey.IsZero() || !c.Dynamics.ClientSecret.IsZero() || !c.Dynamics.CertificatePassword.IsZero()
	switch {
	case perm&0o022 != 0:
		return fmt.Sprintf("%s can be changed by other users (mode %v): chmod go-w it; "+
			"whoever edits it decides where the connector sends its credentials", path, perm)
	case secrets && perm&0o044 != 0:
		return fmt.Sprintf("%s holds secrets and is readable by other users (mode %v): "+
			"chmod 600 it, or better, move the secrets to environment variables", path, perm)
	case secrets:
		return fmt.Sprintf("%s holds secrets in plain text: prefer the environment variables "+
			"NUMORA_API_KEY, AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PASSWORD", path)
	}
	return ""
}
