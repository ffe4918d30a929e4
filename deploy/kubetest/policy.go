package kubetest

import (
	"fmt"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Restricted evaluates pod specs against the restricted Pod Security
// Standard, as the pod-security admission controller of the newest
// Kubernetes release it knows would.
type Restricted struct {
	eval policy.Evaluator
}

// NewRestricted returns the evaluator with the default checks.
func NewRestricted() (*Restricted, error) {
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, err
	}
	return &Restricted{eval: e}, nil
}

// Violations returns the admission controller's reasons for refusing the
// pod, with details, e.g. "runAsNonRoot != true (pod or container
// "connector" must set securityContext.runAsNonRoot=true)"; none when
// it is allowed.
func (r *Restricted) Violations(p Pod) []string {
	lv := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	agg := policy.AggregateCheckResults(r.eval.EvaluatePod(lv, &p.Meta, &p.Spec))
	if agg.Allowed {
		return nil
	}
	var out []string
	for i, reason := range agg.ForbiddenReasons {
		if d := agg.ForbiddenDetails[i]; d != "" {
			reason += " (" + d + ")"
		}
		out = append(out, reason)
	}
	return out
}

// HouseRules returns how a pod breaks the connector's deployment rules,
// beyond the restricted standard: every container has a read-only root
// filesystem, and no secret reaches a container through its environment
// (secrets are mounted as files and read through NUMORA_API_KEY_FILE and
// AZURE_CLIENT_SECRET_FILE). For a Job's pod it also checks the exit-code
// contract of deploy/README.md: restartPolicy Never, a podFailurePolicy
// that fails the Job at once on exit 2, and `run` given
// --refused-exit-code=0 (Kubernetes fails a pod on any non-zero exit).
func HouseRules(p Pod) []string {
	var out []string
	for _, c := range allContainers(p.Spec) {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			out = append(out, fmt.Sprintf("container %q: securityContext.readOnlyRootFilesystem must be true", c.Name))
		}
		out = append(out, secretEnv(c)...)
	}
	if p.Job != nil {
		out = append(out, jobRules(p)...)
	}
	return out
}

func allContainers(s corev1.PodSpec) []corev1.Container {
	cs := slices.Concat(s.InitContainers, s.Containers)
	for _, e := range s.EphemeralContainers {
		cs = append(cs, corev1.Container{Name: e.Name, SecurityContext: e.SecurityContext,
			Env: e.Env, EnvFrom: e.EnvFrom})
	}
	return cs
}

func secretEnv(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			out = append(out, fmt.Sprintf("container %q: env %s comes from a Secret: mount the Secret "+
				"as files and name the file (e.g. NUMORA_API_KEY_FILE)", c.Name, e.Name))
		}
	}
	for _, e := range c.EnvFrom {
		if e.SecretRef != nil {
			out = append(out, fmt.Sprintf("container %q: envFrom Secret %q: mount the Secret as files instead",
				c.Name, e.SecretRef.Name))
		}
	}
	return out
}

// jobRules checks a Job's pod against the connector's exit codes.
func jobRules(p Pod) []string {
	var out []string
	if p.Spec.RestartPolicy != corev1.RestartPolicyNever {
		out = append(out, "a Job's pod needs restartPolicy: Never (the Job retries with new pods, "+
			"and podFailurePolicy requires it)")
	}
	if !failsJobOn(p.Job.PodFailurePolicy, 2) {
		out = append(out, "the Job's podFailurePolicy must fail the Job on exit code 2 "+
			"(configuration error: a retry cannot help)")
	}
	for _, c := range p.Spec.Containers {
		if slices.Contains(c.Args, "run") && !refusedExitZero(c.Args) {
			out = append(out, fmt.Sprintf("container %q runs `run` without --refused-exit-code=0: "+
				"refused documents (exit 4) would fail the Job although it worked", c.Name))
		}
	}
	return out
}

// refusedExitZero reports whether args set --refused-exit-code to 0, as
// one argument or two (either dash form, as Go's flag package accepts).
func refusedExitZero(args []string) bool {
	for i, a := range args {
		name := strings.TrimLeft(a, "-")
		if len(name) == len(a) || len(a)-len(name) > 2 {
			continue
		}
		if name == "refused-exit-code=0" || (name == "refused-exit-code" && i+1 < len(args) && args[i+1] == "0") {
			return true
		}
	}
	return false
}

func failsJobOn(fp *batchv1.PodFailurePolicy, code int32) bool {
	if fp == nil {
		return false
	}
	for _, r := range fp.Rules {
		e := r.OnExitCodes
		if r.Action == batchv1.PodFailurePolicyActionFailJob && e != nil &&
			e.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && slices.Contains(e.Values, code) {
			return true
		}
	}
	return false
}
