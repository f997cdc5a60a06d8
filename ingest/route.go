package ingest

import (
	"os"
	"regexp"
	"strings"
	"time"
)

// Interval is the length of the logging interval that ends at an object's
// End time. ELB delivers one object per load balancer node per interval.
const Interval = 5 * time.Minute

// controlName is the base name of the object that ELB writes under
// AWSLogs/<account-id>/ when logging is turned on.
const controlName = "ELBAccessLogTestFile"

// endTimeLayout is the layout of <end-time> in object names, such as
// 20140215T2340Z for the interval from 23:35 to 23:40 UTC.
const endTimeLayout = "20060102T1504Z"

// The patterns match the base name of an object key as ELB writes it:
//
//	ALB access:     <account-id>_elasticloadbalancing_<region>_app.<name>.<id>_<end-time>_<node-ip>_<random>.log.gz
//	ALB connection: conn_log_<account-id>_elasticloadbalancing_<region>_app.<name>.<id>_<end-time>_<node-ip>_<random>.log.gz
//	NLB:            <account-id>_elasticloadbalancing_<region>_net.<name>.<id>_<end-time>_<random>.log.gz
//
// Connection logs also match with "conn_log." in place of "conn_log_",
// because an older AWS documentation page spelled the prefix that way. A
// load balancer name contains only letters, digits and hyphens, so "[^_]+"
// cannot run into the next field. Each pattern captures the load balancer ("name.id"),
// the end time and, for ALB names, the node IP address.
//
// NOTE: the node IP class accepts IPv6 addresses written with colons for
// dual-stack load balancers. No real dual-stack object name has been seen to
// confirm that spelling.
var (
	albAccessName = regexp.MustCompile(
		`^\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.([^_]+)_(\d{8}T\d{4}Z)_([0-9a-f.:]+)_[a-z0-9]+\.log(?:\.gz)?$`)
	albConnectionName = regexp.MustCompile(
		`^conn_log[._]\d{12}_elasticloadbalancing_[a-z0-9-]+_app\.([^_]+)_(\d{8}T\d{4}Z)_([0-9a-f.:]+)_[a-z0-9]+\.log(?:\.gz)?$`)
	nlbName = regexp.MustCompile(
		`^\d{12}_elasticloadbalancing_[a-z0-9-]+_net\.([^_]+)_(\d{8}T\d{4}Z)_[a-z0-9]+\.log(?:\.gz)?$`)
)

// Classify decides the Kind of the object stored under key from its base
// name, and fills Key, Kind, End, LoadBalancer and Node of the returned
// Object. The caller sets URI, ETag and Size.
//
// The base name is the part after the last "/" (or the OS path separator),
// so folder names never change the Kind. A name that matches a log pattern
// but contains an impossible end time, such as month 13, is KindOther.
func Classify(key string) Object {
	o := Object{Key: key, Kind: KindOther}
	name := baseName(key)
	if name == controlName {
		o.Kind = KindControl
		return o
	}

	kind, m := matchLogName(name)
	if m == nil {
		return o
	}
	end, err := time.Parse(endTimeLayout, m[2])
	if err != nil {
		return o
	}

	o.Kind = kind
	o.End = end.UTC()
	o.LoadBalancer = m[1]
	if len(m) > 3 {
		o.Node = m[3]
	}
	return o
}

// matchLogName returns the Kind whose pattern matches name and the pattern's
// submatches, or a nil slice when no pattern matches.
func matchLogName(name string) (Kind, []string) {
	if m := albAccessName.FindStringSubmatch(name); m != nil {
		return KindALBAccess, m
	}
	if m := albConnectionName.FindStringSubmatch(name); m != nil {
		return KindALBConnection, m
	}
	if m := nlbName.FindStringSubmatch(name); m != nil {
		return KindNLB, m
	}
	return KindOther, nil
}

// baseName returns the part of key after its last "/" or, on systems whose
// path separator differs, after the last separator.
func baseName(key string) string {
	separators := "/"
	if os.PathSeparator != '/' {
		separators += string(os.PathSeparator)
	}
	return key[strings.LastIndexAny(key, separators)+1:]
}

// Selects reports whether the window selects o. An object covers the
// interval (End-5min, End], and the window selects it when that interval
// overlaps [From, To]. Objects with a zero End (control and other objects)
// are always selected, so that a caller can count and skip them.
func (w Window) Selects(o Object) bool {
	if o.End.IsZero() {
		return true
	}
	if !w.From.IsZero() && o.End.Before(w.From) {
		return false
	}
	if !w.To.IsZero() && !o.End.Add(-Interval).Before(w.To) {
		return false
	}
	return true
}
