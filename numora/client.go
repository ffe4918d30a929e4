package numora

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// Client talks to one Numora workspace. It is safe for concurrent use.
type Client struct {
	base   *url.URL // ends in "/"
	origin string
	apiKey secret.String
	hc     *http.Client
	ua     string
	clock  retry.Clock
	policy retry.Policy
	log    *slog.Logger
	jitter func() float64
	pages  atomic.Int64 // outbox pages read
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey.IsZero() {
		return nil, errors.New("numora: API key is required")
	}
	c := &Client{base: base, origin: originOf(base), apiKey: cfg.APIKey, ua: cfg.UserAgent,
		clock: cfg.Clock, policy: cfg.Retry.Normalize(), log: cfg.Logger, jitter: cfg.Jitter}
	if c.ua == "" {
		c.ua = defaultUserAgent()
	}
	if c.clock == nil {
		c.clock = retry.SystemClock{}
	}
	if c.log == nil {
		c.log = logctx.Discard()
	}
	c.hc = c.httpClient(cfg.HTTPClient)
	return c, nil
}

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("numora.Client{BaseURL: %q, APIKey: %s}", c.base.String(), c.apiKey)
}

// GoString is String, so %#v prints no secret either.
func (c *Client) GoString() string { return c.String() }

// LogValue logs the client without its API key.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.base.String()), slog.Any("api_key", c.apiKey))
}

// parseBaseURL validates a base URL and makes its path end in "/".
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("numora: base URL %q must be an absolute http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("numora: base URL must not carry user info, a query or a fragment")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("numora: base URL %q must use https (http is allowed on loopback only)", u.Redacted())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u = u.JoinPath("/")
	}
	return u, nil
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// originOf returns "scheme://host:port" in lower case with the default
// port made explicit, so equal origins compare equal.
func originOf(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// httpClient copies given (or builds a default) and pins redirects to the
// base origin.
func (c *Client) httpClient(given *http.Client) *http.Client {
	hc := &http.Client{Timeout: 30 * time.Second}
	if given != nil {
		cp := *given
		hc = &cp
	}
	next := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if o := originOf(req.URL); o != c.origin {
			return fmt.Errorf("%w: redirect to %s", ErrOtherOrigin, o)
		}
		if next == nil {
			if len(via) >= 10 {
				return fmt.Errorf("%w: stopped after 10 redirects", errRedirect)
			}
			return nil
		}
		err := next(req, via)
		if err != nil && err != http.ErrUseLastResponse {
			err = fmt.Errorf("%w: %w", errRedirect, err)
		}
		return err
	}
	return hc
}

// endpoint returns the absolute URL of a /v1 path; the segments are
// path-escaped, so document ids are opaque.
func (c *Client) endpoint(query url.Values, segments ...string) *url.URL {
	esc := make([]string, len(segments))
	for i, s := range segments {
		esc[i] = escapeSegment(s)
	}
	ref := &url.URL{Path: strings.Join(segments, "/"), RawPath: strings.Join(esc, "/")}
	u := c.base.ResolveReference(ref)
	u.RawQuery = query.Encode()
	return u
}

// escapeSegment path-escapes s; "." and ".." are escaped too so they stay
// data instead of moving up the path.
func escapeSegment(s string) string {
	if s == "." || s == ".." {
		return strings.ReplaceAll(s, ".", "%2E")
	}
	return url.PathEscape(s)
}

// resolve resolves a URL Numora returned (what names it: "result_url of
// doc_1") against the base URL and refuses it when it leaves the base
// origin.
func (c *Client) resolve(ref, what string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil { // %v: a parse error is not a network error
		return nil, fmt.Errorf("numora: bad %s %q: %v", what, ref, err)
	}
	u := c.base.ResolveReference(r)
	if o := originOf(u); o != c.origin {
		return nil, fmt.Errorf("%w: %s is on %s, not %s", ErrOtherOrigin, what, o, c.origin)
	}
	return u, nil
}
