package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/numora/numora-connector/secret"
)

// secretFile is a secret the configuration may name a file for.
type secretFile struct {
	env  string         // the variable naming the file, for messages
	path string         // the file, "" when the secret is not read from one
	dst  *secret.String // where the secret goes
}

func (c *config) secretFiles() []secretFile {
	return []secretFile{
		{"NUMORA_API_KEY_FILE", c.Numora.APIKeyFile, &c.Numora.APIKey},
		{"AZURE_CLIENT_SECRET_FILE", c.Dynamics.ClientSecretFile, &c.Dynamics.ClientSecret},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE", c.Dynamics.CertificatePasswordFile, &c.Dynamics.CertificatePassword},
		{"SALESFORCE_CLIENT_SECRET_FILE", c.Salesforce.ClientSecretFile, &c.Salesforce.ClientSecret},
	}
}

// checkSecretFiles refuses a secret given both directly and as a file: one
// of the two would be silently ignored. Call it before the first read.
func (c *config) checkSecretFiles() error {
	for _, f := range c.secretFiles() {
		if f.path != "" && !f.dst.IsZero() {
			direct := f.env[:len(f.env)-len("_FILE")]
			return &usageError{msg: fmt.Sprintf("%s and %s are both set: set one of them", direct, f.env)}
		}
	}
	return nil
}

// readSecretFiles reads the secrets that come from files into c and
// reports whether any of them changed since the last read. A file's
// surrounding white space (the newline editors and `echo` add) is dropped;
// an empty file is an error. All files are read before any secret is
// replaced: when one cannot be read (in the middle of a rotation, say), c
// keeps every secret it had, so the next read still sees the others'
// change. Errors name the variable and the file, never the contents.
func (c *config) readSecretFiles() (changed bool, err error) {
	files := c.secretFiles()
	values := make([]string, len(files))
	for i, f := range files {
		if f.path == "" {
			continue
		}
		data, err := os.ReadFile(f.path)
		if err != nil {
			return false, &usageError{msg: fmt.Sprintf("%s: %v", f.env, err)}
		}
		if values[i] = string(bytes.TrimSpace(data)); values[i] == "" {
			return false, &usageError{msg: fmt.Sprintf("%s: %s is empty", f.env, f.path)}
		}
	}
	for i, f := range files {
		if f.path != "" && f.dst.Reveal() != values[i] {
			*f.dst, changed = secret.New(values[i]), true
		}
	}
	return changed, nil
}
