package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/numora/numora-connector/numora/webhook"
	"github.com/numora/numora-connector/secret"
)

// serveConfig is the serve command's settings (connector.yaml "serve:").
type serveConfig struct {
	// Listen is the address to listen on (--listen); default ":8080".
	Listen string `yaml:"listen"`
	// Queue is the queue file (--queue, CONNECTOR_QUEUE); default
	// "$STATE_DIRECTORY/queue.db" under systemd, else "./numora-queue.db".
	Queue string `yaml:"queue"`
	// Reconcile > 0 also polls the outbox every Reconcile (--reconcile).
	Reconcile time.Duration `yaml:"reconcile"`
	// MaxBody bounds a notification body in bytes; default 1 MiB.
	MaxBody int64 `yaml:"max_body"`
	// Tolerance is how far a signature's timestamp may be from now; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
	// Signature is the signing scheme; default HMAC-SHA256 over
	// "<timestamp>.<body>", hex.
	Signature webhook.Scheme `yaml:"signature"`
	// RetryDelay is the first wait before retrying a document left for
	// retry, doubling per attempt up to 15m; default 30s.
	RetryDelay time.Duration `yaml:"retry_delay"`
	// MaxAttempts is the number of failed attempts before a document leaves
	// the queue; default 10.
	MaxAttempts int `yaml:"max_attempts"`
	// EchoWindow is how long after the connector reported a document failed
	// a push.failed event for it is ignored as the echo of that report;
	// default 15m.
	EchoWindow time.Duration `yaml:"echo_window"`
	// Secrets are the shared webhook secrets (NUMORA_WEBHOOK_SECRET, or the
	// file NUMORA_WEBHOOK_SECRET_FILE names: one or more, separated by
	// spaces or newlines, during a rotation both). Environment only.
	Secrets secret.String `yaml:"-"`
	// secretsFileErr is the error reading NUMORA_WEBHOOK_SECRET_FILE.
	secretsFileErr error
}

// applyServeEnv reads the serve command's environment variables.
func (c *config) applyServeEnv(getenv func(string) string) {
	if v := getenv("NUMORA_WEBHOOK_SECRET"); v != "" {
		c.Serve.Secrets = secret.New(v)
	}
	if path := getenv("NUMORA_WEBHOOK_SECRET_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			c.Serve.secretsFileErr = err
		} else {
			c.Serve.Secrets = secret.New(string(b))
		}
	}
	if v := getenv("CONNECTOR_QUEUE"); v != "" {
		c.Serve.Queue = v
	}
	if c.Serve.Queue == "" {
		if dir := getenv("STATE_DIRECTORY"); dir != "" {
			c.Serve.Queue = strings.SplitN(dir, ":", 2)[0] + "/queue.db"
		}
	}
}

// serveDefaults fills the serve settings nobody set.
func (c *config) serveDefaults() {
	if c.Serve.Listen == "" {
		c.Serve.Listen = ":8080"
	}
	if c.Serve.Queue == "" {
		c.Serve.Queue = "numora-queue.db"
	}
}

// webhookSecrets splits the configured secrets.
func (c *config) webhookSecrets() [][]byte {
	var out [][]byte
	for _, s := range strings.Fields(c.Serve.Secrets.Reveal()) {
		out = append(out, []byte(s))
	}
	return out
}

// validateServe returns the serve settings' problems.
func (c *config) validateServe() []string {
	var p []string
	if c.Serve.secretsFileErr != nil {
		p = append(p, "NUMORA_WEBHOOK_SECRET_FILE: "+c.Serve.secretsFileErr.Error())
	} else if len(c.webhookSecrets()) == 0 {
		p = append(p, "webhook secret: required; set NUMORA_WEBHOOK_SECRET to the shared secret configured in Numora")
	}
	if err := c.Serve.Signature.Validate(); err != nil {
		p = append(p, "serve.signature: "+strings.TrimPrefix(err.Error(), "webhook: "))
	}
	if c.Serve.MaxBody < 0 || c.Serve.MaxBody > 64<<20 {
		p = append(p, fmt.Sprintf("serve.max_body %d: want 1 to %d bytes", c.Serve.MaxBody, 64<<20))
	}
	if c.Serve.Reconcile != 0 && c.Serve.Reconcile < time.Minute {
		p = append(p, fmt.Sprintf("reconcile %v: want at least 1m", c.Serve.Reconcile))
	}
	if c.Serve.Tolerance < 0 || c.Serve.RetryDelay < 0 || c.Serve.MaxAttempts < 0 {
		p = append(p, "serve.tolerance, serve.retry_delay and serve.max_attempts must not be negative")
	}
	return p
}

// serveFlags registers the serve command's flags.
func (f *flagSet) serveFlags() {
	f.str("listen", "address to listen on (default :8080)", func(c *config, v string) { c.Serve.Listen = v })
	f.str("queue", "queue file (default $STATE_DIRECTORY/queue.db or ./numora-queue.db, env CONNECTOR_QUEUE)",
		func(c *config, v string) { c.Serve.Queue = v })
	f.dur("reconcile", "also poll the outbox every interval while it answers (default off)",
		func(c *config, v time.Duration) { c.Serve.Reconcile = v })
}

// metricsFileFlag registers --metrics-file.
func (f *flagSet) metricsFileFlag() {
	f.str("metrics-file", "write Prometheus metrics to this file after every pass (node_exporter textfile collector)",
		func(c *config, v string) { c.Run.MetricsFile = v })
}
