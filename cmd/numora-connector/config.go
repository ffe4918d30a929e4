package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/destinations/salesforce"
	"github.com/numora/numora-connector/retry"

	"go.yaml.in/yaml/v3"

	"github.com/numora/numora-connector/secret"
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
	Mappings string `yaml:"mappings"`
	// Destination is the CRM to write to: dynamics365 (the default; its
	// settings are under "dynamics:") or salesforce ("salesforce:").
	// CONNECTOR_DESTINATION.
	Destination string `yaml:"destination"`
	// Salesforce is the "salesforce:" section: salesforce.Config itself.
	Salesforce salesforceConfig `yaml:"salesforce"`
	Run        runConfig        `yaml:"run"`
	Log        logConfig        `yaml:"log"`
	// Serve is the serve command's settings.
	Serve serveConfig `yaml:"serve"`

	// file is the config file read, "" if none.
	file string
}

type numoraConfig struct {
	// BaseURL is the workspace API address (NUMORA_BASE_URL). Required.
	BaseURL string `yaml:"base_url"`
	// APIKey is the API key (NUMORA_API_KEY). Keep it in the environment,
	// or in a file (APIKeyFile).
	APIKey secret.String `yaml:"api_key"`
	// APIKeyFile is a file holding the API key (NUMORA_API_KEY_FILE), such
	// as a mounted Kubernetes Secret or a systemd credential; re-read
	// before every pass, so a rotated key is picked up without a restart.
	APIKeyFile string `yaml:"api_key_file"`
	// Provider is the outbox's provider name (NUMORA_PROVIDER); default dynamics365.
	Provider string `yaml:"provider"`
	// PageSize is the outbox page size; default 100.
	PageSize int `yaml:"page_size"`
	// Timeout bounds one request to Numora; default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// Retry bounds the retries of one Numora request (same fields and
	// defaults as dynamics.retry).
	Retry retry.Policy `yaml:"retry"`
}

// dynamicsConfig is the "dynamics:" section: the Dataverse destination's
// own configuration (its fields and defaults are documented on
// dynamics365.Config; the CLI adds none of its own but the secret files),
// so every setting has one path from the file, the environment and flags
// to the destination.
type dynamicsConfig struct {
	dynamics365.Config `yaml:",inline"`
	// ClientSecretFile (AZURE_CLIENT_SECRET_FILE) and
	// CertificatePasswordFile (AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE) are
	// files holding them, re-read before every pass like api_key_file.
	ClientSecretFile        string `yaml:"client_secret_file"`
	CertificatePasswordFile string `yaml:"certificate_password_file"`
}

// salesforceConfig is the "salesforce:" section: the Salesforce
// destination's own configuration (documented on salesforce.Config), plus
// the secret file.
type salesforceConfig struct {
	salesforce.Config `yaml:",inline"`
	// ClientSecretFile (SALESFORCE_CLIENT_SECRET_FILE) holds the consumer
	// secret, re-read before every pass like api_key_file.
	ClientSecretFile string `yaml:"client_secret_file"`
}

type runConfig struct {
	// Concurrency is the number of documents read and mapped at once
	// (their writes and callbacks wait beside); default 48.
	Concurrency int `yaml:"concurrency"`
	// Interval > 0 runs a pass every interval, forever; default one pass.
	Interval time.Duration `yaml:"interval"`
	// StopGrace is how long documents in flight may take after SIGTERM; default 30s.
	StopGrace time.Duration `yaml:"stop_grace"`
	// SummaryJSON is a file to write the run summary to.
	SummaryJSON string `yaml:"summary_json"`
	// RefusedExitCode is the exit code of a pass that worked but had
	// documents' data refused (reported failed to Numora with the reason);
	// default 4. Kubernetes, where any other code than 0 fails the pod, sets 0.
	RefusedExitCode *int `yaml:"refused_exit_code"`
	// DispatchTimeout bounds the wait for one dispatched document; default 10m.
	DispatchTimeout time.Duration `yaml:"dispatch_timeout"`
	// DispatchPoll is dispatch mode's polling interval; default 5s.
	DispatchPoll time.Duration `yaml:"dispatch_poll"`
	// MetricsFile is a file to write Prometheus metrics to after every
	// pass, for node_exporter's textfile collector.
	MetricsFile string `yaml:"metrics_file"`
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
		return nil, "", &usageError{msg: fmt.Sprintf("config file: %v", err)}
	}
	c, err := parseConfig(path, data)
	if err != nil {
		return nil, "", err
	}
	return c, permissionWarning(path, c), nil
}

// parseConfig decodes a config file strictly: a YAML syntax error, an
// unknown setting or a value of the wrong kind is a usage error listing
// every problem with its position.
func parseConfig(name string, data []byte) (*config, error) {
	c := &config{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("%s: not valid YAML (%v)", name, err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return c, nil
	}
	if p := checkSettings(name, doc.Content[0], reflect.TypeFor[config](), ""); len(p) > 0 {
		return nil, &usageError{msg: strings.Join(p, "\n")}
	}
	if err := doc.Content[0].Decode(c); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("%s: %v", name, err)}
	}
	return c, nil
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
