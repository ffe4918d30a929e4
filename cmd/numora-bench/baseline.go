package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	numoraconnector "github.com/numora/numora-connector"
	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// sequential is the baseline: the documented flow done the plain way, one
// document and one request at a time, with net/http — read the first
// outbox item, read its result, map it with the same rules, write each
// record with its own request, report the callback, repeat. Lookups are
// cached (a naive flow would repeat them and be slower still). It supports
// what the benchmark's invoices need: records keyed by GUID and lookups on
// tables whose primary id is "<singular>id".
type sequential struct {
	hc      *http.Client
	env     *benchEnv
	rules   *mapping.Rules
	token   string
	lookups map[string]string
}

// runSequential delivers up to n documents from env's outbox and returns
// how many it delivered and the time it took.
func runSequential(ctx context.Context, env *benchEnv, n int) (int, time.Duration, error) {
	rules, err := mapping.Parse("mappings.yaml", numoraconnector.DefaultMappings)
	if err != nil {
		return 0, 0, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.dv.CertPool(), MinVersion: tls.VersionTLS12}}
	s := &sequential{hc: &http.Client{Transport: tr, Timeout: time.Minute}, env: env, rules: rules, lookups: map[string]string{}}
	defer tr.CloseIdleConnections()
	start := time.Now()
	if err := s.fetchToken(ctx); err != nil {
		return 0, 0, err
	}
	done := 0
	for done < n {
		more, err := s.one(ctx)
		if err != nil {
			return done, time.Since(start), err
		}
		if !more {
			break
		}
		done++
	}
	return done, time.Since(start), nil
}

// one delivers the first document of the outbox; false when it is empty.
func (s *sequential) one(ctx context.Context) (bool, error) {
	var page struct {
		Data []numora.OutboxItem `json:"data"`
	}
	if err := s.numoraCall(ctx, http.MethodGet, "/v1/delivery/outbox?provider=dynamics365&limit=1", nil, &page); err != nil {
		return false, err
	}
	if len(page.Data) == 0 {
		return false, nil
	}
	it := page.Data[0]
	var res numora.Result
	if err := s.numoraCall(ctx, http.MethodGet, it.ResultURL, nil, &res); err != nil {
		return false, err
	}
	plan, err := s.rules.Render(&res)
	if err != nil {
		return false, fmt.Errorf("baseline: mapping %s: %w", it.DocumentID, err)
	}
	for i := range plan.Records {
		if err := s.write(ctx, plan, i); err != nil {
			return false, fmt.Errorf("baseline: %s: %w", it.DocumentID, err)
		}
	}
	d := numora.Delivery{Provider: "dynamics365", Status: numora.DeliverySucceeded, ExecutionID: "baseline-" + it.DocumentID,
		AttemptedAt: time.Now().UTC(), ExternalRecordID: rowID(plan.Records[0])}
	return true, s.numoraCall(ctx, http.MethodPost, "/v1/documents/"+url.PathEscape(it.DocumentID)+"/delivery", d, nil)
}

// write upserts record i with one PATCH.
func (s *sequential) write(ctx context.Context, plan *mapping.Plan, i int) error {
	rec := plan.Records[i]
	if rec.Key.Kind != mapping.KeyIdentity {
		return fmt.Errorf("record %s: the baseline writes GUID-keyed records only", rec.Name)
	}
	body := map[string]any{}
	for _, c := range rec.Columns {
		body[c.Name] = dynamics365.JSONValue(c.Value)
	}
	for _, b := range rec.Binds {
		target, err := s.bindTarget(ctx, plan, b)
		if err != nil {
			return err
		}
		body[b.NavProperty+"@odata.bind"] = target
	}
	return s.dataverse(ctx, http.MethodPatch, rec.Entity+"("+rowID(rec)+")", body, nil)
}

// bindTarget is "/<set>(<guid>)" of a referenced record or a looked-up row.
func (s *sequential) bindTarget(ctx context.Context, plan *mapping.Plan, b mapping.Bind) (string, error) {
	if b.Lookup == nil {
		ref := plan.Records[b.Ref]
		return "/" + ref.Entity + "(" + rowID(ref) + ")", nil
	}
	lk := b.Lookup
	pk := strings.TrimSuffix(lk.Entity, "s") + "id"
	var conds []string
	for _, m := range lk.Match {
		conds = append(conds, fmt.Sprintf("%s eq '%s'", m.Name, strings.ReplaceAll(m.Value.Text(), "'", "''")))
	}
	path := lk.Entity + "?$select=" + pk + "&$filter=" + strings.ReplaceAll(url.QueryEscape(strings.Join(conds, " and ")), "+", "%20")
	if id, ok := s.lookups[path]; ok {
		return "/" + lk.Entity + "(" + id + ")", nil
	}
	var out struct {
		Value []map[string]any `json:"value"`
	}
	if err := s.dataverse(ctx, http.MethodGet, path, nil, &out); err != nil {
		return "", err
	}
	if len(out.Value) == 0 {
		return "", fmt.Errorf("lookup %s found nothing", path)
	}
	id := fmt.Sprint(out.Value[0][pk])
	s.lookups[path] = id
	return "/" + lk.Entity + "(" + id + ")", nil
}

// fetchToken gets an access token with the client-credentials grant.
func (s *sequential) fetchToken(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.env.dv.ClientID},
		"client_secret": {s.env.dv.ClientSecret}, "scope": {s.env.dv.URL + "/.default"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.env.dv.TokenEndpoint(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.send(req, &tok); err != nil {
		return fmt.Errorf("baseline: token: %w", err)
	}
	s.token = tok.AccessToken
	return nil
}

func (s *sequential) numoraCall(ctx context.Context, method, path string, in, out any) error {
	req, err := newJSONRequest(ctx, method, s.env.numoraURL()+path, in)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.env.numora.APIKey)
	return s.send(req, out)
}

func (s *sequential) dataverse(ctx context.Context, method, path string, in, out any) error {
	req, err := newJSONRequest(ctx, method, s.env.dv.URL+"/api/data/v9.2/"+path, in)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("OData-MaxVersion", "4.0")
	req.Header.Set("OData-Version", "4.0")
	return s.send(req, out)
}

func newJSONRequest(ctx context.Context, method, u string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// send sends req and decodes a 2xx answer into out (when not nil).
func (s *sequential) send(req *http.Request, out any) error {
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return errors.Join(fmt.Errorf("%s %s: decoding the answer", req.Method, req.URL.Path), err)
	}
	return nil
}

// rowID is the GUID of a record keyed by identity, as the destination
// derives it.
func rowID(rec mapping.Record) string { return destinations.IdentityGUID(rec.Key, rec.Entity) }
