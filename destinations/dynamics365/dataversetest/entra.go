package dataversetest

import "fmt"

// TokenRefusal makes the token service refuse every token request the way
// Entra ID refuses one kind of misconfiguration (see SetTokenRefusal). Its
// value is the AADSTS code Entra ID answers with.
type TokenRefusal int

// The refusals a misconfigured connector meets, with Entra ID's status and
// OAuth error code. The emulator also answers 90002, 700016, 7000215 and
// 500011 on its own when the request names another tenant, client id,
// secret or resource than its Config; the knob is for the cases a request
// cannot provoke (an expired secret, a disabled application) and for
// tests that want the refusal whatever the request says.
const (
	NoTokenRefusal        TokenRefusal = 0
	RefuseWrongSecret     TokenRefusal = 7000215 // 401 invalid_client: wrong client secret (or its ID sent)
	RefuseExpiredSecret   TokenRefusal = 7000222 // 401 invalid_client: the client secret has expired
	RefuseUnknownClient   TokenRefusal = 700016  // 400 unauthorized_client: no such application in the tenant
	RefuseUnknownTenant   TokenRefusal = 90002   // 400 invalid_request (invalid_tenant on discovery): no such tenant
	RefuseUnknownResource TokenRefusal = 500011  // 400 invalid_resource: the scope names no resource of the tenant
	RefuseDisabledApp     TokenRefusal = 7000112 // 401 unauthorized_client: the application is disabled
)

// entraArgs are the request's values Entra ID quotes in its messages.
type entraArgs struct {
	tenant, clientID, resource string
}

// entraReply is one entry of Entra ID's catalogue: the status, the OAuth
// error code and the message after "AADSTSnnnn: ".
type entraReply struct {
	status int
	code   string
	text   func(a entraArgs) string
}

// entraCatalogue holds Entra ID's wording for the refusals above, as
// Microsoft's AADSTS error reference and real answers show them.
var entraCatalogue = map[TokenRefusal]entraReply{
	RefuseWrongSecret: {401, "invalid_client", func(a entraArgs) string {
		return fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", a.clientID)
	}},
	RefuseExpiredSecret: {401, "invalid_client", func(a entraArgs) string {
		return fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", a.clientID)
	}},
	RefuseUnknownClient: {400, "unauthorized_client", func(a entraArgs) string {
		return fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", a.clientID, a.tenant)
	}},
	RefuseUnknownTenant: {400, "invalid_request", func(a entraArgs) string {
		return fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", a.tenant)
	}},
	RefuseUnknownResource: {400, "invalid_resource", func(a entraArgs) string {
		return fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", a.resource, a.tenant)
	}},
	RefuseDisabledApp: {401, "unauthorized_client", func(a entraArgs) string {
		return fmt.Sprintf("Application '%s'(dataversetest) is disabled.", a.clientID)
	}},
}

// refusal returns Entra ID's reply for r, or nil for NoTokenRefusal and
// codes outside the catalogue.
func refusal(r TokenRefusal, a entraArgs) *tokenError {
	e, ok := entraCatalogue[r]
	if !ok {
		return nil
	}
	return &tokenError{e.status, e.code, int(r), e.text(a)}
}

// SetTokenRefusal makes the token service answer every token request with
// Entra ID's refusal r (NoTokenRefusal: back to normal). RefuseUnknownTenant
// also fails the OpenID configuration, as Entra ID does for a tenant it
// does not know.
func (s *Server) SetTokenRefusal(r TokenRefusal) {
	s.tokens.mu.Lock()
	s.tokens.refusal = r
	s.tokens.mu.Unlock()
}
