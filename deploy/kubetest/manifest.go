// Package kubetest decodes the Kubernetes manifests under deploy/kubernetes
// strictly with the k8s.io/api types and checks their pods against the
// restricted Pod Security Standard and the connector's own deployment rules.
// Its tests are the check; it is a separate module so that the main module
// does not depend on k8s.io.
package kubetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one decoded manifest document.
type Object struct {
	// Doc is the document's 1-based position in its file.
	Doc int
	// Kind is "apiVersion kind", e.g. "batch/v1 CronJob".
	Kind string
	// Name is metadata.name.
	Name string
	// Value is the typed object, e.g. *batchv1.CronJob.
	Value any
}

// String names the object as "Kind/name (document N)".
func (o Object) String() string {
	return fmt.Sprintf("%s/%s (document %d)", o.Kind, o.Name, o.Doc)
}

// Known lists the kinds DecodeFile accepts, for messages.
const Known = "v1 ConfigMap, v1 Secret, v1 Service, v1 ServiceAccount, v1 Pod, " +
	"batch/v1 CronJob, batch/v1 Job, apps/v1 Deployment, apps/v1 StatefulSet, " +
	"apps/v1 DaemonSet, policy/v1 PodDisruptionBudget, networking.k8s.io/v1 NetworkPolicy"

// newObject returns a pointer to the k8s.io/api type of apiVersion and kind.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "v1 ConfigMap":
		return new(corev1.ConfigMap), nil
	case "v1 Secret":
		return new(corev1.Secret), nil
	case "v1 Service":
		return new(corev1.Service), nil
	case "v1 ServiceAccount":
		return new(corev1.ServiceAccount), nil
	case "v1 Pod":
		return new(corev1.Pod), nil
	case "batch/v1 CronJob":
		return new(batchv1.CronJob), nil
	case "batch/v1 Job":
		return new(batchv1.Job), nil
	case "apps/v1 Deployment":
		return new(appsv1.Deployment), nil
	case "apps/v1 StatefulSet":
		return new(appsv1.StatefulSet), nil
	case "apps/v1 DaemonSet":
		return new(appsv1.DaemonSet), nil
	case "policy/v1 PodDisruptionBudget":
		return new(policyv1.PodDisruptionBudget), nil
	case "networking.k8s.io/v1 NetworkPolicy":
		return new(networkingv1.NetworkPolicy), nil
	}
	return nil, fmt.Errorf("kind %q with apiVersion %q is not one the check knows (%s): "+
		"add it to newObject (and to PodsOf if it makes pods) in deploy/kubetest/manifest.go", kind, apiVersion, Known)
}

// DecodeFile decodes every document of a YAML file. Unknown or duplicate
// fields, unknown kinds and documents without apiVersion, kind or
// metadata.name are errors; empty documents are skipped.
func DecodeFile(path string) ([]Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var objs []Object
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, n, err)
		}
		o, ok, err := decodeDoc(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, n, err)
		}
		if ok {
			o.Doc = n
			objs = append(objs, o)
		}
	}
}

// decodeDoc decodes one document; ok is false for an empty one.
func decodeDoc(doc []byte) (o Object, ok bool, err error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return Object{}, false, err
	}
	if s := bytes.TrimSpace(js); len(s) == 0 || string(s) == "null" {
		return Object{}, false, nil
	}
	var head struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return Object{}, false, err
	}
	if head.APIVersion == "" || head.Kind == "" || head.Metadata.Name == "" {
		return Object{}, false, errors.New("apiVersion, kind and metadata.name are required")
	}
	v, err := newObject(head.APIVersion, head.Kind)
	if err != nil {
		return Object{}, false, err
	}
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return Object{}, false, fmt.Errorf("%s %s: %w", head.Kind, head.Metadata.Name, err)
	}
	return Object{Kind: head.APIVersion + " " + head.Kind, Name: head.Metadata.Name, Value: v}, true, nil
}

// Pod is a pod spec found in a manifest.
type Pod struct {
	// Meta and Spec are the pod template's.
	Meta metav1.ObjectMeta
	Spec corev1.PodSpec
	// Job is the spec of the Job that runs the pod (a Job's or a CronJob's
	// jobTemplate), nil for other workloads.
	Job *batchv1.JobSpec
}

// PodsOf returns the pod specs an object creates: none for ConfigMap,
// Secret, Service, ServiceAccount, PodDisruptionBudget and NetworkPolicy.
func PodsOf(v any) []Pod {
	switch o := v.(type) {
	case *corev1.Pod:
		return []Pod{{Meta: o.ObjectMeta, Spec: o.Spec}}
	case *batchv1.CronJob:
		js := &o.Spec.JobTemplate.Spec
		return []Pod{{Meta: js.Template.ObjectMeta, Spec: js.Template.Spec, Job: js}}
	case *batchv1.Job:
		return []Pod{{Meta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec, Job: &o.Spec}}
	case *appsv1.Deployment:
		return []Pod{{Meta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec}}
	case *appsv1.StatefulSet:
		return []Pod{{Meta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec}}
	case *appsv1.DaemonSet:
		return []Pod{{Meta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec}}
	}
	return nil
}
