package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
)

func TestConfigFromYAML(t *testing.T) {
	var c Config
	err := yaml.Unmarshal([]byte(`
my_domain_url: https://acme.my.salesforce.com
api_version: v63.0
flow: jwt_bearer
client_id: key
username: u@acme
private_key_file: /run/secrets/sf.pem
id_field: Numora_Key__c
api_reserve: 5000
request_timeout: 90s
lookup_ttl: 1m
retry: {max_attempts: 4}
breaker: {failures: 3, open_timeout: 1m, half_open_requests: 2}
`), &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Flow != FlowJWTBearer || c.PrivateKeyFile != "/run/secrets/sf.pem" || c.APIReserve != 5000 ||
		c.RequestTimeout != 90*time.Second || c.Retry.MaxAttempts != 4 || c.Breaker.OpenTimeout != time.Minute ||
		c.IDField != "Numora_Key__c" || c.APIVersion != "v63.0" {
		t.Fatalf("decoded %+v", c)
	}
	if s := fmt.Sprintf("%+v", Config{ClientSecret: secretOf("hunter2")}); strings.Contains(s, "hunter2") {
		t.Errorf("printing a Config shows the secret: %s", s)
	}
}

func TestPrivateKeyFile(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sf.pem")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) {
		c.Flow, c.Username, c.PrivateKeyFile = FlowJWTBearer, "integration@numora.example", path
	}, salesforcetest.WithJWTKey(&key.PublicKey))
	if err := e.d.Check(bg); err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{MyDomainURL: "https://acme.my.salesforce.com", ClientID: "k", Flow: FlowJWTBearer,
		Username: "u", PrivateKeyFile: filepath.Join(t.TempDir(), "missing.pem")})
	if err == nil || !strings.Contains(err.Error(), "private_key_file") {
		t.Fatalf("missing key file: %v", err)
	}
}
