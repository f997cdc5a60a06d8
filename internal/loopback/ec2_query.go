package loopback

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The EC2 API reference allows MaxResults from 5 to 1000 on the paged
// describe actions.
const (
	minEC2MaxResults = 5
	maxEC2MaxResults = 1000
)

// flatList returns the members of an ec2query list parameter, which the
// SDK sends as NAME.1, NAME.2 and so on, starting at 1 without gaps.
func (q awsQueryRequest) flatList(name string) []string {
	var members []string
	for i := 1; ; i++ {
		key := name + "." + strconv.Itoa(i)
		if !q.form.Has(key) {
			return members
		}
		members = append(members, q.form.Get(key))
	}
}

// ec2Filter is one Filter.N of a describe request. A resource matches the
// filter when one of its values for Name matches one of Values.
type ec2Filter struct {
	Name   string
	Values []string
}

// parseEC2Filters reads Filter.N.Name and Filter.N.Value.M. A name that is
// not supported, or a filter without values, is InvalidParameterValue.
func parseEC2Filters(query awsQueryRequest, supported func(name string) bool) ([]ec2Filter, *apiError) {
	var filters []ec2Filter
	for i := 1; ; i++ {
		prefix := "Filter." + strconv.Itoa(i)
		if !query.form.Has(prefix + ".Name") {
			return filters, nil
		}
		filter := ec2Filter{Name: query.Get(prefix + ".Name"), Values: query.flatList(prefix + ".Value")}
		if !supported(filter.Name) {
			return nil, invalidParameterValue("The filter '%s' is invalid", filter.Name)
		}
		// NOTE: a filter without values is rejected here. The EC2 API
		// reference does not say what EC2 does with one.
		if len(filter.Values) == 0 {
			return nil, invalidParameterValue("The filter '%s' has no values", filter.Name)
		}
		filters = append(filters, filter)
	}
}

// filterNames returns a check for parseEC2Filters that accepts names and,
// when withTags is set, the tag filters "tag:KEY" and "tag-key".
func filterNames(withTags bool, names ...string) func(string) bool {
	return func(name string) bool {
		if withTags && (strings.HasPrefix(name, "tag:") || name == "tag-key") {
			return true
		}
		return slices.Contains(names, name)
	}
}

// matchesEC2Filters reports whether a resource matches every filter, and so
// ANDs the filters and ORs the values of each. values returns the
// resource's values for a filter name.
func matchesEC2Filters(filters []ec2Filter, values func(name string) []string) bool {
	for _, filter := range filters {
		matched := false
		for _, value := range values(filter.Name) {
			if slices.ContainsFunc(filter.Values, func(pattern string) bool { return matchWildcard(pattern, value) }) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// tagFilterValues returns a resource's values for the filters "tag:KEY"
// (the tag's value, if the tag is set) and "tag-key" (every key).
func tagFilterValues(tags map[string]string, name string) []string {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		if value, ok := tags[key]; ok {
			return []string{value}
		}
		return nil
	}
	if name == "tag-key" {
		keys := make([]string, 0, len(tags))
		for key := range tags {
			keys = append(keys, key)
		}
		return keys
	}
	return nil
}

// matchWildcard reports whether s matches pattern, in which "*" matches any
// sequence of characters, "?" matches one character, and a backslash makes
// the next character literal, as in EC2 filter values.
func matchWildcard(pattern, s string) bool {
	p := []rune(pattern)
	text := []rune(s)
	// On a mismatch, the match resumes after the last "*", which then
	// spans one more character of s.
	pi, ti := 0, 0
	starPattern, starText := -1, 0
	for ti < len(text) {
		switch {
		case pi < len(p) && p[pi] == '*':
			starPattern, starText = pi, ti
			pi++
		case pi < len(p) && p[pi] == '?':
			pi++
			ti++
		case pi+1 < len(p) && p[pi] == '\\' && p[pi+1] == text[ti]:
			pi += 2
			ti++
		case pi < len(p) && (p[pi] != '\\' || pi+1 == len(p)) && p[pi] == text[ti]:
			pi++
			ti++
		case starPattern >= 0:
			starText++
			pi, ti = starPattern+1, starText
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// ec2PageToken is the position that a NextToken encodes.
type ec2PageToken struct {
	Fingerprint string `json:"f"`
	Offset      int    `json:"o"`
}

// pageEC2 cuts the page that MaxResults and NextToken select out of
// items, and returns it with the next token, which is empty on the last
// page. parameters is the fingerprint of the request's other parameters,
// which a NextToken must repeat. Without MaxResults the page runs to the
// end. When capMaxResults is set, a MaxResults above 1000 means 1000, as
// DescribeVpcEndpointServiceConfigurations documents, and otherwise it is
// InvalidParameterValue.
func pageEC2[T any](query awsQueryRequest, items []T, parameters string, capMaxResults bool) ([]T, string, *apiError) {
	pageSize := len(items)
	if raw := query.Get("MaxResults"); raw != "" {
		size, err := strconv.Atoi(raw)
		if err == nil && capMaxResults && size > maxEC2MaxResults {
			size = maxEC2MaxResults
		}
		if err != nil || size < minEC2MaxResults || size > maxEC2MaxResults {
			return nil, "", invalidParameterValue("Value ( %s ) for parameter maxResults is invalid. Expecting a value between %d and %d.",
				raw, minEC2MaxResults, maxEC2MaxResults)
		}
		pageSize = size
	}

	start := 0
	if token := query.Get("NextToken"); token != "" {
		var position ec2PageToken
		if err := decodePageToken(token, &position); err != nil || position.Fingerprint != parameters ||
			position.Offset < 0 || position.Offset > len(items) {
			return nil, "", &apiError{status: http.StatusBadRequest, code: "InvalidPaginationToken",
				message: fmt.Sprintf("The token '%s' is invalid or was issued for other parameters. "+
					"Pass the NextToken of the previous response and repeat its other parameters.", token)}
		}
		start = position.Offset
	}

	end := min(start+pageSize, len(items))
	nextToken := ""
	if end < len(items) {
		nextToken = encodePageToken(ec2PageToken{Fingerprint: parameters, Offset: end})
	}
	return items[start:end], nextToken, nil
}

// ec2TagXML is one item of a tagSet.
type ec2TagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// tagSetXML returns tags sorted by key, so that responses are stable.
func tagSetXML(tags map[string]string) []ec2TagXML {
	items := make([]ec2TagXML, 0, len(tags))
	for key, value := range tags {
		items = append(items, ec2TagXML{Key: key, Value: value})
	}
	slices.SortFunc(items, func(a, b ec2TagXML) int { return strings.Compare(a.Key, b.Key) })
	return items
}
