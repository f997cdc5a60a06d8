package ingest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

const regionPrefix = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/"

func TestClassify(t *testing.T) {
	end := time.Date(2014, 2, 15, 23, 40, 0, 0, time.UTC)
	tests := []struct {
		name         string
		key          string
		kind         Kind
		end          time.Time
		loadBalancer string
		node         string
	}{
		{
			name:         "ALB access gzip",
			key:          regionPrefix + "2014/02/15/123456789012_elasticloadbalancing_us-east-1_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz",
			kind:         KindALBAccess,
			end:          end,
			loadBalancer: "my-loadbalancer.1234567890abcdef",
			node:         "172.160.001.192",
		},
		{
			name:         "ALB access plain",
			key:          "123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log",
			kind:         KindALBAccess,
			end:          end,
			loadBalancer: "web.50dc6c495c0c9188",
			node:         "10.0.1.7",
		},
		{
			name:         "ALB access dual-stack IPv6 node",
			key:          regionPrefix + "2014/02/15/123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_2600:1f18:4c3:8d00::1a_5xg2kq0.log.gz",
			kind:         KindALBAccess,
			end:          end,
			loadBalancer: "web.50dc6c495c0c9188",
			node:         "2600:1f18:4c3:8d00::1a",
		},
		{
			name:         "ALB connection conn_log_",
			key:          regionPrefix + "2014/02/15/conn_log_123456789012_elasticloadbalancing_us-east-1_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz",
			kind:         KindALBConnection,
			end:          end,
			loadBalancer: "my-loadbalancer.1234567890abcdef",
			node:         "172.160.001.192",
		},
		{
			name:         "ALB connection conn_log.",
			key:          regionPrefix + "2014/02/15/conn_log.123456789012_elasticloadbalancing_us-east-1_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log",
			kind:         KindALBConnection,
			end:          end,
			loadBalancer: "my-loadbalancer.1234567890abcdef",
			node:         "172.160.001.192",
		},
		{
			name:         "NLB without node IP",
			key:          regionPrefix + "2014/02/15/123456789012_elasticloadbalancing_us-east-1_net.my-network-lb.c6e77e28c25b2234_20140215T2340Z_3a7b9c1d.log.gz",
			kind:         KindNLB,
			end:          end,
			loadBalancer: "my-network-lb.c6e77e28c25b2234",
		},
		{
			name: "control object",
			key:  "AWSLogs/123456789012/ELBAccessLogTestFile",
			kind: KindControl,
		},
		{
			name:         "access name in conn_log folder",
			key:          "logs/conn_log/123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind:         KindALBAccess,
			end:          end,
			loadBalancer: "web.50dc6c495c0c9188",
			node:         "10.0.1.7",
		},
		{
			name: "partial upload suffix",
			key:  "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz.tmp",
			kind: KindOther,
		},
		{
			name: "uppercase service name",
			key:  "123456789012_ELASTICLOADBALANCING_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "uppercase region",
			key:  "123456789012_elasticloadbalancing_US-EAST-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "account ID with letters",
			key:  "12345678901A_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "account ID of 11 digits",
			key:  "12345678901_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "net name with node IP",
			key:  "123456789012_elasticloadbalancing_us-east-1_net.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "app name without node IP",
			key:  "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340Z_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "connection log of NLB",
			key:  "conn_log_123456789012_elasticloadbalancing_us-east-1_net.web.50dc6c495c0c9188_20140215T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "invalid month in end time",
			key:  "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20141315T2340Z_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "end time without Z",
			key:  "123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20140215T2340_10.0.1.7_1a2b3c4d.log.gz",
			kind: KindOther,
		},
		{
			name: "control name with suffix",
			key:  "AWSLogs/123456789012/ELBAccessLogTestFile.txt",
			kind: KindOther,
		},
		{
			name: "folder marker",
			key:  regionPrefix + "2014/02/15/",
			kind: KindOther,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Classify(tt.key)
			assert.Equal(t, tt.key, o.Key, "Key")
			assert.Equal(t, tt.kind, o.Kind, "Kind")
			assert.True(t, tt.end.Equal(o.End), "End: got %v, expected %v", o.End, tt.end)
			assert.Equal(t, time.UTC, o.End.Location(), "End location")
			assert.Equal(t, tt.loadBalancer, o.LoadBalancer, "LoadBalancer")
			assert.Equal(t, tt.node, o.Node, "Node")
			assert.Empty(t, o.URI, "URI")
		})
	}
}

func TestWindowSelects(t *testing.T) {
	at := func(hour, minute int) time.Time {
		return time.Date(2026, 12, 3, hour, minute, 0, 0, time.UTC)
	}
	from, to := at(10, 0), at(11, 0)
	tests := []struct {
		name   string
		window Window
		end    time.Time
		want   bool
	}{
		{"zero window", Window{}, at(3, 0), true},
		{"interval before From", Window{From: from, To: to}, at(9, 55), false},
		{"interval ending at From", Window{From: from, To: to}, at(10, 0), true},
		{"interval inside", Window{From: from, To: to}, at(10, 30), true},
		{"interval ending at To", Window{From: from, To: to}, at(11, 0), true},
		{"interval containing To", Window{From: from, To: at(10, 58)}, at(11, 0), true},
		{"interval starting at To", Window{From: from, To: to}, at(11, 5), false},
		{"interval after To", Window{From: from, To: to}, at(12, 0), false},
		{"open From", Window{To: to}, at(0, 5), true},
		{"open From after To", Window{To: to}, at(11, 5), false},
		{"open To", Window{From: from}, at(23, 55), true},
		{"open To before From", Window{From: from}, at(9, 55), false},
		{"zero End", Window{From: from, To: to}, time.Time{}, true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.window.Selects(Object{End: tt.end}))
		})
	}
}

func TestWindowSelectsOffsetTime(t *testing.T) {
	// 12:00+02:00 is 10:00 UTC, so an interval ending 10:00 UTC touches From.
	from := time.Date(2026, 12, 3, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	w := Window{From: from}

	assert.True(t, w.Selects(Object{End: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}))
	assert.False(t, w.Selects(Object{End: time.Date(2026, 12, 3, 9, 55, 0, 0, time.UTC)}))
}
