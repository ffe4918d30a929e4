// Package kubetest holds the checks of the Kubernetes manifests under
// deploy/kubernetes; it has tests only.
package kubetest
