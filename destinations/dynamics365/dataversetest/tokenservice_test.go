package dataversetest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// clientOptions points azidentity at the emulator's token service.
func clientOptions(s *Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost},
		Transport: s.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func secretCredential(t *testing.T, s *Server, secret string) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(s)})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func TestAzidentityClientSecretCredential(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	s := newTestServer(t)
	cred := secretCredential(t, s, s.ClientSecret)
	var tok string
	for range 3 {
		at, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
		if err != nil {
			t.Fatalf("GetToken: %v", err)
		}
		tok = at.Token
	}
	if got := s.TokenRequests(); got != 1 {
		t.Errorf("got %d token requests for 3 GetToken calls, want 1 (cached)", got)
	}
	c := &apiClient{t: t, s: s, token: tok}
	wantStatus(t, c.call("GET", "WhoAmI", ""), http.StatusOK)
}

func TestAzidentityWrongSecret(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	s := newTestServer(t)
	_, err := secretCredential(t, s, "wrong").GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) {
		t.Fatalf("got %v, want *azidentity.AuthenticationFailedError", err)
	}
	if afe.RawResponse == nil || afe.RawResponse.StatusCode != http.StatusUnauthorized {
		t.Errorf("got raw response %v, want 401", afe.RawResponse)
	}
}

func TestAzidentityClientCertificateCredential(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	s := newTestServer(t)
	pemBytes, err := s.NewClientCertificate()
	if err != nil {
		t.Fatal(err)
	}
	certs, key, err := azidentity.ParseCertificates(pemBytes, nil)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(s)})
	if err != nil {
		t.Fatal(err)
	}
	at, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{s.Scope()}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	c := &apiClient{t: t, s: s, token: at.Token}
	wantStatus(t, c.call("GET", "WhoAmI", ""), http.StatusOK)
}
