// Package numoraconnector holds files of the repository root that the
// program embeds: the default mapping rules, so that the sandbox runs from
// any directory.
package numoraconnector

import _ "embed"

// DefaultMappings is the repository's mappings.yaml.
//
//go:embed mappings.yaml
var DefaultMappings []byte

// SalesforceMappings is the repository's mappings-salesforce.yaml, the
// rules "sandbox --destination salesforce" runs with.
//
//go:embed mappings-salesforce.yaml
var SalesforceMappings []byte
