package loopback

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxQueryBodyBytes is the largest awsQuery or ec2query form body that the
// router reads to find the API version.
const maxQueryBodyBytes = 10 << 20

// router sends each request to the service that its wire protocol names,
// so that one port serves every service. It checks, in this order:
//
//  1. Smithy RPCv2: the Smithy-Protocol header, and the service name in the
//     path /service/SERVICE/operation/OPERATION.
//  2. AWS JSON 1.0 and 1.1: the X-Amz-Target header SERVICE.OPERATION.
//  3. awsQuery and ec2query: a form with Action and Version, sent to the
//     path "/" by POST in the body or by GET in the query string. The
//     Version selects the service.
//  4. REST services by path prefix, such as /2013-04-01/ for Route 53.
//  5. Everything else goes to the fallback, which is S3.
//
// A request that matches steps 1 to 3 but names no registered service gets
// an error in that protocol. The router is not safe for registration after
// the server has started.
type router struct {
	rpcv2Services map[string]http.Handler
	jsonTargets   map[string]http.Handler
	queryVersions map[string]http.Handler
	prefixRoutes  []prefixRoute
	fallback      http.Handler
}

type prefixRoute struct {
	prefix  string
	handler http.Handler
}

func newRouter(fallback http.Handler) *router {
	return &router{
		rpcv2Services: map[string]http.Handler{},
		jsonTargets:   map[string]http.Handler{},
		queryVersions: map[string]http.Handler{},
		fallback:      fallback,
	}
}

// handleRPCv2 routes Smithy RPCv2 requests for the service, such as
// "GraniteServiceVersion20100801" for CloudWatch.
func (rt *router) handleRPCv2(service string, h http.Handler) {
	rt.rpcv2Services[service] = h
}

// handleJSON routes AWS JSON requests whose X-Amz-Target starts with
// prefix and a dot, such as "Logs_20140328" for CloudWatch Logs.
func (rt *router) handleJSON(prefix string, h http.Handler) {
	rt.jsonTargets[prefix] = h
}

// handleQuery routes awsQuery and ec2query requests with the API version,
// such as "2015-12-01" for Elastic Load Balancing v2.
func (rt *router) handleQuery(version string, h http.Handler) {
	rt.queryVersions[version] = h
}

// handlePrefix routes requests whose path starts with prefix, such as
// "/2013-04-01/" for Route 53. The first matching prefix wins.
//
// NOTE: S3 path-style requests to a bucket whose name equals a prefix's
// first segment, such as a bucket named "2013-04-01", also match.
func (rt *router) handlePrefix(prefix string, h http.Handler) {
	rt.prefixRoutes = append(rt.prefixRoutes, prefixRoute{prefix: prefix, handler: h})
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Smithy-Protocol") != "" {
		service, _, _ := parseRPCv2Path(r.URL.Path)
		if h, ok := rt.rpcv2Services[service]; ok {
			h.ServeHTTP(w, r)
			return
		}
		writeRPCv2Error(w, http.StatusNotFound, "UnknownOperationException", "",
			fmt.Sprintf("service %q in path %s is not served by the loopback server", service, r.URL.Path))
		return
	}

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, _, _ := strings.Cut(target, ".")
		if h, ok := rt.jsonTargets[prefix]; ok {
			h.ServeHTTP(w, r)
			return
		}
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("X-Amz-Target %q names a service that the loopback server does not serve", target))
		return
	}

	version, isQuery, err := queryVersion(r)
	if err != nil {
		writeAWSQueryError(w, "", http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	if isQuery {
		if h, ok := rt.queryVersions[version]; ok {
			h.ServeHTTP(w, r)
			return
		}
		writeAWSQueryError(w, "", http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("API version %q is not served by the loopback server", version))
		return
	}

	for _, route := range rt.prefixRoutes {
		if strings.HasPrefix(r.URL.Path, route.prefix) {
			route.handler.ServeHTTP(w, r)
			return
		}
	}
	rt.fallback.ServeHTTP(w, r)
}

// queryVersion returns the Version of an awsQuery or ec2query request, and
// false for other requests. Such a request goes to the path "/" and carries
// both Action and Version, in a form-encoded POST body or in the query
// string of a GET. queryVersion reads a POST body and puts an identical
// one back, so the service handler can parse the form again.
func queryVersion(r *http.Request) (version string, ok bool, err error) {
	if r.URL.Path != "/" && r.URL.Path != "" {
		return "", false, nil
	}

	switch r.Method {
	case http.MethodGet:
		query := r.URL.Query()
		if query.Has("Action") && query.Has("Version") {
			return query.Get("Version"), true, nil
		}
		return "", false, nil

	case http.MethodPost:
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mediaType != "application/x-www-form-urlencoded" {
			return "", false, nil
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBodyBytes+1))
		if err != nil {
			return "", false, fmt.Errorf("read form body: %w", err)
		}
		if len(body) > maxQueryBodyBytes {
			return "", false, fmt.Errorf("form body is larger than %d bytes", maxQueryBodyBytes)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", false, fmt.Errorf("parse form body: %w", err)
		}
		if form.Has("Action") && form.Has("Version") {
			return form.Get("Version"), true, nil
		}
		return "", false, nil

	default:
		return "", false, nil
	}
}
