package dynamics365

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// publicAuthorityHosts are the Entra ID hosts for which MSAL's instance
// discovery works; for any other host it is turned off (it would call
// login.microsoftonline.com about a host it does not know).
var publicAuthorityHosts = []string{
	cloud.AzurePublic.ActiveDirectoryAuthorityHost,
	cloud.AzureGovernment.ActiveDirectoryAuthorityHost,
	cloud.AzureChina.ActiveDirectoryAuthorityHost,
}

// newCredential builds the one credential of a Destination from cfg (already
// defaulted and validated). hc carries the token requests.
func newCredential(cfg Config, hc *http.Client) (azcore.TokenCredential, error) {
	if cfg.Credential != nil {
		return cfg.Credential, nil
	}
	opts := clientOptions(cfg, hc)
	noDiscovery := !isPublicAuthority(cfg.AuthorityHost)
	// The destination retries failed token requests itself (classify sorts
	// them); azcore retrying each one three more times, with its own
	// backoff, made one failing token request take ~9 s while the token
	// service was down, and a run ~45 s per failed call. Managed identity
	// keeps azcore's IMDS-specific retries.
	direct := opts
	direct.Retry.MaxRetries = -1
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch cfg.Auth {
	case AuthClientSecret:
		cred, err = azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret.Reveal(),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: direct, DisableInstanceDiscovery: noDiscovery})
	case AuthClientCertificate:
		cred, err = newCertificateCredential(cfg, direct, noDiscovery)
	case AuthManagedIdentity:
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if cfg.ClientID != "" {
			mi.ID = azidentity.ClientID(cfg.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mi)
	case AuthWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: direct, ClientID: cfg.ClientID, TenantID: cfg.TenantID, DisableInstanceDiscovery: noDiscovery})
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
	case AuthDefault:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: opts, TenantID: cfg.TenantID, DisableInstanceDiscovery: noDiscovery})
	default:
		return nil, fmt.Errorf("dynamics365: unknown auth mode %q", cfg.Auth)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamics365: building %s credential: %w", cfg.Auth, err)
	}
	return cred, nil
}

func newCertificateCredential(cfg Config, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(cfg.CertificatePath)
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	var password []byte
	if !cfg.CertificatePassword.IsZero() {
		password = []byte(cfg.CertificatePassword.Reveal())
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate %s (RSA keys only): %w", cfg.CertificatePath, err)
	}
	return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
}

// clientOptions routes token requests through hc and pins the authority
// host (which then wins over AZURE_AUTHORITY_HOST in azidentity).
func clientOptions(cfg Config, hc *http.Client) azcore.ClientOptions {
	opts := azcore.ClientOptions{Transport: hc}
	if cfg.AuthorityHost != "" {
		opts.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: withSlash(cfg.AuthorityHost)}
	}
	return opts
}

// isPublicAuthority reports whether host (empty = public cloud) is a public
// Microsoft cloud authority.
func isPublicAuthority(host string) bool {
	if host == "" {
		return true
	}
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	for _, h := range publicAuthorityHosts {
		if p, err := url.Parse(h); err == nil && strings.EqualFold(p.Host, u.Host) {
			return true
		}
	}
	return false
}

func withSlash(s string) string {
	if strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}

// tokenScope is the one scope Dataverse accepts: the environment URL plus
// "/.default".
func tokenScope(orgURL string) string { return orgURL + "/.default" }

// forceRefreshable reports whether the credential fetches a new token when
// asked with claims (confidential and managed-identity clients bypass
// MSAL's cache then); the Azure CLI refuses claims instead.
func forceRefreshable(cfg Config) bool {
	return cfg.Credential != nil || (cfg.Auth != AuthAzureCLI && cfg.Auth != AuthDefault)
}

// Compile-time check that *http.Client can carry token requests.
var _ policy.Transporter = (*http.Client)(nil)
