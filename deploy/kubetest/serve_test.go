package kubetest

import (
	"fmt"
	"path"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// serveManifests are the files of notify mode, applied together.
var serveManifests = []string{"serve-statefulset.yaml", "serve-service.yaml", "serve-pdb.yaml"}

// serveObjects decodes the serve manifests: the StatefulSet, the Services
// and the PodDisruptionBudget.
func serveObjects(t *testing.T) (*appsv1.StatefulSet, []*corev1.Service, *policyv1.PodDisruptionBudget) {
	t.Helper()
	var sts *appsv1.StatefulSet
	var svcs []*corev1.Service
	var pdb *policyv1.PodDisruptionBudget
	for _, f := range serveManifests {
		objs, err := DecodeFile(path.Join(manifests, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			switch v := o.Value.(type) {
			case *appsv1.StatefulSet:
				sts = v
			case *corev1.Service:
				svcs = append(svcs, v)
			case *policyv1.PodDisruptionBudget:
				pdb = v
			}
		}
	}
	if sts == nil || len(svcs) == 0 || pdb == nil {
		t.Fatalf("serve manifests: want a StatefulSet, Services and a PodDisruptionBudget")
	}
	return sts, svcs, pdb
}

// TestServeManifestsFitTogether: the serve StatefulSet, its Services and
// its PodDisruptionBudget agree: two replicas each with a queue volume
// mounted where --queue points, probes on /healthz and /readyz, Services
// and the budget selecting the pods and reaching a named port, a budget
// that leaves one replica up, and a termination grace longer than the
// stop grace plus the HTTP shutdown.
func TestServeManifestsFitTogether(t *testing.T) {
	sts, svcs, pdb := serveObjects(t)
	pod := sts.Spec.Template
	c := pod.Spec.Containers[0]
	if r := sts.Spec.Replicas; r == nil || *r != 2 {
		t.Errorf("replicas %v, want 2", r)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("args %q, want serve first", c.Args)
	}
	if i := slices.Index(c.Args, "--queue"); i < 0 || i+1 >= len(c.Args) || !queueMounted(sts, c, c.Args[i+1]) {
		t.Errorf("--queue in %q is not on a volumeClaimTemplate mount", c.Args)
	}
	probes := map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe}
	for p, probe := range probes {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != p || !hasPort(c, probe.HTTPGet.Port.String()) {
			t.Errorf("no probe with an httpGet of %s on a container port", p)
		}
	}
	podLabels := labels.Set(pod.Labels)
	for _, s := range svcs {
		if !labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels) {
			t.Errorf("Service %s selects %v, not the pods %v", s.Name, s.Spec.Selector, pod.Labels)
		}
		for _, p := range s.Spec.Ports {
			if !hasPort(c, p.TargetPort.String()) {
				t.Errorf("Service %s targets port %s, which the container does not have", s.Name, p.TargetPort.String())
			}
		}
	}
	if !slices.ContainsFunc(svcs, func(s *corev1.Service) bool { return s.Name == sts.Spec.ServiceName && s.Spec.ClusterIP == "None" }) {
		t.Errorf("serviceName %q is not a headless Service of the manifests", sts.Spec.ServiceName)
	}
	sel := labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels)
	if !sel.Matches(podLabels) || pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget %v minAvailable %v, want the pods selected and 1 kept", pdb.Spec.Selector, pdb.Spec.MinAvailable)
	}
	const stopGrace, shutdown = 30, 10 // serve's defaults, in seconds
	if g := pod.Spec.TerminationGracePeriodSeconds; g == nil || *g <= stopGrace+shutdown {
		t.Errorf("terminationGracePeriodSeconds unset or at most %ds, want more (stop grace plus the HTTP shutdown)", stopGrace+shutdown)
	}
}

// queueMounted reports whether file's directory is the mount of one of
// the StatefulSet's volumeClaimTemplates.
func queueMounted(sts *appsv1.StatefulSet, c corev1.Container, file string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path.Dir(file) || m.ReadOnly {
			continue
		}
		for _, v := range sts.Spec.VolumeClaimTemplates {
			if v.Name == m.Name {
				return true
			}
		}
	}
	return false
}

// hasPort reports whether the container has port (a name or a number).
func hasPort(c corev1.Container, port string) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
		return p.Name == port || fmt.Sprint(p.ContainerPort) == port
	})
}
