package dynamics365

import (
	"fmt"
	"strings"
)

// explanation words one AADSTS code: what is wrong and what to do, given
// the settings (any of which may be empty).
type explanation func(f signInFacts) (problem, fix string)

// aadstsExplanations covers the codes a misconfigured connector meets
// (Microsoft's "Microsoft Entra authentication and authorization error
// codes"); others get Entra's own first sentence.
var aadstsExplanations = map[int]explanation{
	7000215: func(f signInFacts) (string, string) {
		return "the client secret is wrong" + forApp(f),
			"set AZURE_CLIENT_SECRET (or the file AZURE_CLIENT_SECRET_FILE names) to the secret's Value from the app registration's Certificates & secrets (not its Secret ID); if it has expired, create a new one"
	},
	7000222: func(f signInFacts) (string, string) {
		return "the client secret has expired" + forApp(f),
			"create a new client secret under the app registration's Certificates & secrets and set AZURE_CLIENT_SECRET (or the file AZURE_CLIENT_SECRET_FILE names) to its Value"
	},
	7000218: func(f signInFacts) (string, string) {
		return "no client secret or certificate was sent", "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"
	},
	700016: func(f signInFacts) (string, string) {
		return fmt.Sprintf("tenant %s has no application with client id %s", orUnset(f.tenant), orUnset(f.clientID)),
			"check AZURE_CLIENT_ID (the app registration's Application (client) ID) and AZURE_TENANT_ID (the tenant it is registered in)"
	},
	90002: func(f signInFacts) (string, string) {
		return fmt.Sprintf("tenant %s does not exist", orUnset(f.tenant)),
			"check AZURE_TENANT_ID (the Directory (tenant) ID on the app registration's overview)" + cloudHint(f)
	},
	900023: func(f signInFacts) (string, string) {
		return fmt.Sprintf("%s is not a tenant id or domain", orUnset(f.tenant)),
			"set AZURE_TENANT_ID to the Directory (tenant) ID, a GUID, from the app registration's overview"
	},
	500011: func(f signInFacts) (string, string) {
		return fmt.Sprintf("the tenant has no Dataverse environment %s", orUnset(f.orgURL)),
			"check DYNAMICS_URL: the environment URL from the Power Platform admin center (https://<org>.crm<n>.dynamics.com), in the app's tenant"
	},
	7000112: func(f signInFacts) (string, string) {
		return "the application is disabled" + forApp(f), "an administrator must enable the app's enterprise application in the tenant"
	},
	7000229: func(f signInFacts) (string, string) {
		return "the application has no service principal in the tenant" + forApp(f),
			"an administrator must add the app to the tenant (admin consent, or create its enterprise application)"
	},
	700027: func(f signInFacts) (string, string) {
		return "the certificate is not registered on the application, or its key does not match",
			"upload the certificate's public part under the app registration's Certificates & secrets, or check AZURE_CLIENT_CERTIFICATE_PATH"
	},
	700024: func(f signInFacts) (string, string) {
		return "the signed client assertion is outside its validity period", "check this machine's clock (NTP)"
	},
	53003: func(f signInFacts) (string, string) {
		return "a Conditional Access policy blocked the sign-in",
			"an administrator must exempt the app's service principal from the policy, or allow this network"
	},
}

// explain words e: from the AADSTS code when known, else from its kind.
func explain(e *SignInError, f signInFacts) (problem, fix string) {
	if x, ok := aadstsExplanations[e.AADSTS]; ok && e.Kind == SignInRefused {
		return x(f)
	}
	switch e.Kind {
	case SignInUnreachable:
		return explainUnreachable(e, f)
	case SignInUntrusted:
		return fmt.Sprintf("the token service's TLS certificate is not trusted (%s)", e.cause),
			"add its CA to the system trust store or SSL_CERT_FILE, or check a TLS-inspecting proxy"
	}
	switch {
	case e.AADSTS != 0:
		return entraSentence(e), fmt.Sprintf("check AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret or certificate (see https://login.microsoftonline.com/error?code=%d)", e.AADSTS)
	case e.Status != 0:
		return fmt.Sprintf("the token service answered HTTP %d without an Entra ID error", e.Status),
			"check AZURE_AUTHORITY_HOST" + authorityNote(f) + " and any proxy in between"
	}
	return e.cause, "check the " + orDefault(f.auth, "auth") + " settings"
}

func explainUnreachable(e *SignInError, f signInFacts) (string, string) {
	const notCreds = "not a credentials problem; "
	switch {
	case e.cause == "canceled":
		return "the sign-in was canceled", ""
	case e.Status != 0:
		code := ""
		if e.AADSTS != 0 {
			code = fmt.Sprintf(", AADSTS%d", e.AADSTS)
		}
		return fmt.Sprintf("the token service is unavailable (HTTP %d%s)", e.Status, code),
			notCreds + "try again later"
	}
	return fmt.Sprintf("the token service%s is unreachable (%s)", authorityNote(f), e.cause),
		notCreds + "check the network, DNS, a proxy or firewall, and AZURE_AUTHORITY_HOST, then try again"
}

// entraSentence is Entra ID's description up to its trace lines.
func entraSentence(e *SignInError) string {
	d := e.Description
	if i := strings.Index(d, "\r\n"); i >= 0 {
		d = d[:i]
	}
	if i := strings.Index(d, " Trace ID:"); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimPrefix(d, fmt.Sprintf("AADSTS%d: ", e.AADSTS))
	if d == "" {
		d = e.OAuthCode
	}
	return truncate(oneLine(d), 300)
}

func forApp(f signInFacts) string {
	if f.clientID == "" {
		return ""
	}
	return " (client id " + f.clientID + ")"
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

func cloudHint(f signInFacts) string {
	if isPublicAuthority(f.authority) {
		return ""
	}
	return " and AZURE_AUTHORITY_HOST (" + f.authority + ")"
}

func authorityNote(f signInFacts) string {
	if f.authority == "" {
		return ""
	}
	return " " + strings.TrimRight(f.authority, "/")
}
