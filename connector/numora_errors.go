package connector

import (
	"errors"
	"net/http"

	"github.com/numora/numora-connector/numora"
)

// refusedCredentials reports whether err says Numora refused the API key
// (401, 403): no later request can succeed, so the run stops.
func refusedCredentials(err error) bool {
	var ae *numora.APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden)
}
