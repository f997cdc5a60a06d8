package ingest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cutover-dev/cutover/internal/testutil/s3fake"
)

const (
	testBucket  = "alb-logs"
	testAccount = "123456789012"
)

// setAWSEnv points the SDK's standard configuration at endpoint with dummy
// static credentials, and hides the user's shared AWS files, profile and
// per-service endpoints from the test.
func setAWSEnv(t *testing.T, endpoint string) {
	t.Helper()
	unset := []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"}
	for _, name := range unset {
		t.Setenv(name, "")
		require.NoError(t, os.Unsetenv(name))
	}

	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", s3fake.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3fake.SecretAccessKey)
	t.Setenv("AWS_REGION", s3fake.Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if endpoint == "" {
		t.Setenv("AWS_ENDPOINT_URL", "")
		require.NoError(t, os.Unsetenv("AWS_ENDPOINT_URL"))
	} else {
		t.Setenv("AWS_ENDPOINT_URL", endpoint)
	}
}

// startS3 starts a fake S3 server with an empty testBucket.
func startS3(t *testing.T) *s3fake.Server {
	t.Helper()
	server := s3fake.Start(t)
	setAWSEnv(t, server.URL)
	server.CreateBucket(t, testBucket)
	return server
}

// recordingClient passes requests to an S3 client and records them.
type recordingClient struct {
	S3API

	mu       sync.Mutex
	prefixes []string // Prefix of each ListObjectsV2 request
	gets     []s3.GetObjectInput
}

func (c *recordingClient) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.mu.Lock()
	c.prefixes = append(c.prefixes, aws.ToString(in.Prefix))
	c.mu.Unlock()
	return c.S3API.ListObjectsV2(ctx, in, optFns...)
}

func (c *recordingClient) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.mu.Lock()
	c.gets = append(c.gets, *in)
	c.mu.Unlock()
	return c.S3API.GetObject(ctx, in, optFns...)
}

// distinctPrefixes returns the listed prefixes in request order, each once.
func (c *recordingClient) distinctPrefixes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var distinct []string
	for _, p := range c.prefixes {
		if len(distinct) == 0 || distinct[len(distinct)-1] != p {
			distinct = append(distinct, p)
		}
	}
	return distinct
}

// logKey returns the key under which ELB delivers a log object of kind for
// the interval ending at end, in the day folder of delivered.
func logKey(kind Kind, end, delivered time.Time, node, random string) string {
	folder := fmt.Sprintf("AWSLogs/%s/elasticloadbalancing/us-east-1/%s/", testAccount, delivered.Format("2006/01/02"))
	stamp := end.Format("20060102T1504Z")
	switch kind {
	case KindALBAccess:
		return folder + fmt.Sprintf("%s_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_%s_%s_%s.log.gz", testAccount, stamp, node, random)
	case KindALBConnection:
		return folder + fmt.Sprintf("conn_log_%s_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_%s_%s_%s.log.gz", testAccount, stamp, node, random)
	case KindNLB:
		return folder + fmt.Sprintf("%s_elasticloadbalancing_us-east-1_net.tls-edge.c6e77e28c25b2234_%s_%s.log.gz", testAccount, stamp, random)
	}
	panic("logKey: unsupported kind " + string(kind))
}

func md5Hex(body []byte) string {
	sum := md5.Sum(body)
	return hex.EncodeToString(sum[:])
}

func TestS3SourceListsAllPages(t *testing.T) {
	server := startS3(t)
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

	type stored struct {
		kind Kind
		end  time.Time
		node string
		body []byte // as stored, gzip for log objects
	}
	want := make(map[string]stored)
	nodes := []string{"10.0.1.7", "10.0.2.9", "2600:1f18:4c3:8d00::1a"}
	for i := 1; i <= 10; i++ {
		end := day.Add(time.Duration(i) * Interval)
		for n, node := range nodes {
			random := fmt.Sprintf("r%02dn%d", i, n)
			key := logKey(KindALBAccess, end, day, node, random)
			body := server.PutGzipObject(t, testBucket, key, []byte(key+"\n"))
			want[key] = stored{KindALBAccess, end, node, body}
		}
		key := logKey(KindALBConnection, end, day, nodes[0], fmt.Sprintf("c%02d", i))
		want[key] = stored{KindALBConnection, end, nodes[0], server.PutGzipObject(t, testBucket, key, []byte(key+"\n"))}
		key = logKey(KindNLB, end, day, "", fmt.Sprintf("n%02d", i))
		want[key] = stored{KindNLB, end, "", server.PutGzipObject(t, testBucket, key, []byte(key+"\n"))}
	}
	control := "AWSLogs/" + testAccount + "/ELBAccessLogTestFile"
	server.PutObject(t, testBucket, control, []byte("Enable AccessLog for ELB: web at 2026-12-01T10:00:00.000Z"))
	want[control] = stored{kind: KindControl, body: []byte("Enable AccessLog for ELB: web at 2026-12-01T10:00:00.000Z")}
	other := "AWSLogs/" + testAccount + "/elasticloadbalancing/us-east-1/2026/12/03/notes.txt"
	server.PutObject(t, testBucket, other, []byte("not a log"))
	want[other] = stored{kind: KindOther, body: []byte("not a log")}
	server.PutObject(t, testBucket, "AWSLogs/"+testAccount+"/elasticloadbalancing/us-east-1/2026/12/03/", nil)
	server.PutObject(t, testBucket, "elsewhere/"+accessName1, []byte("outside the prefix"))

	client := &recordingClient{S3API: server.Client}
	const pageSize = 7
	src, err := NewS3Source(client, "s3://"+testBucket+"/AWSLogs/"+testAccount+"/", WithListPageSize(pageSize))
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	var wantKeys, gotKeys []string
	for key := range want {
		wantKeys = append(wantKeys, key)
	}
	sort.Strings(wantKeys)
	for _, o := range objects {
		gotKeys = append(gotKeys, o.Key)
	}
	require.Equal(t, wantKeys, gotKeys, "every object once, in key order")
	// The folder marker counts toward the pages but is not listed.
	assert.Len(t, client.prefixes, (len(want)+1+pageSize-1)/pageSize, "ListObjectsV2 requests")

	for _, o := range objects {
		w := want[o.Key]
		assert.Equal(t, "s3://"+testBucket+"/"+o.Key, o.URI, "URI of %s", o.Key)
		assert.Equal(t, w.kind, o.Kind, "Kind of %s", o.Key)
		assert.True(t, w.end.Equal(o.End), "End of %s: got %v, expected %v", o.Key, o.End, w.end)
		assert.Equal(t, w.node, o.Node, "Node of %s", o.Key)
		assert.Equal(t, md5Hex(w.body), o.ETag, "ETag of %s", o.Key)
		assert.Equal(t, int64(len(w.body)), o.Size, "Size of %s", o.Key)
	}

	for _, o := range objects {
		if o.Kind == KindALBAccess && o.Node == nodes[2] {
			assert.Equal(t, o.Key+"\n", readAll(t, src, o), "inflated content of %s", o.URI)
			break
		}
	}
	assert.Equal(t, "not a log", readAll(t, src, Object{URI: "s3://" + testBucket + "/" + other, Key: other}))
}

func TestS3SourceWindowNarrowing(t *testing.T) {
	server := startS3(t)
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, 12, day, hour, minute, 0, 0, time.UTC)
	}

	put := func(end, delivered time.Time, random string) string {
		key := logKey(KindALBAccess, end, delivered, "10.0.1.7", random)
		server.PutGzipObject(t, testBucket, key, []byte("line\n"))
		return key
	}
	put(at(2, 23, 55), at(2, 23, 59), "day2")
	put(at(3, 22, 55), at(3, 22, 58), "before")
	atFrom := put(at(3, 23, 0), at(3, 23, 3), "atfrom")
	inside := put(at(3, 23, 5), at(3, 23, 8), "inside")
	lastOnTime := put(at(3, 23, 55), at(3, 23, 58), "ontime")
	lastLate := put(at(3, 23, 55), at(4, 0, 2), "late")
	midnight := put(at(4, 0, 0), at(4, 0, 3), "midnight")
	put(at(4, 0, 5), at(4, 0, 8), "after")
	put(at(5, 0, 5), at(5, 0, 8), "day5")
	other := "AWSLogs/" + testAccount + "/elasticloadbalancing/us-east-1/2026/12/03/notes.txt"
	server.PutObject(t, testBucket, other, []byte("not a log"))

	region := "AWSLogs/" + testAccount + "/elasticloadbalancing/us-east-1/"
	client := &recordingClient{S3API: server.Client}
	src, err := NewS3Source(client, "s3://"+testBucket+"/"+region, WithListPageSize(2))
	require.NoError(t, err)
	objects := listAll(t, src, Window{From: at(3, 23, 0), To: at(3, 23, 59)})

	var keys []string
	for _, o := range objects {
		keys = append(keys, o.Key)
	}
	assert.Equal(t, []string{atFrom, inside, lastOnTime, other, lastLate, midnight}, keys)
	assert.Equal(t, []string{region + "2026/12/03/", region + "2026/12/04/"}, client.distinctPrefixes())
}

func TestS3SourceListPrefixes(t *testing.T) {
	region := "logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/"
	at := func(month, day, hour int) time.Time {
		return time.Date(2026, time.Month(month), day, hour, 0, 0, 0, time.UTC)
	}
	december3 := Window{From: at(12, 3, 10), To: at(12, 3, 11)}
	newYear := Window{From: at(12, 31, 22), To: time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC)}

	tests := []struct {
		name   string
		prefix string
		window Window
		want   []string
	}{
		{"bucket", "", december3, []string{""}},
		{"account folder", "logs/AWSLogs/123456789012/", december3, []string{"logs/AWSLogs/123456789012/"}},
		{"region without slash", "logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1", december3,
			[]string{"logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1"}},
		{"region folder", region, december3, []string{region + "2026/12/03/", region + "2026/12/04/"}},
		{"year folder", region + "2026/", december3, []string{region + "2026/12/03/", region + "2026/12/04/"}},
		{"other month folder", region + "2026/11/", december3, nil},
		{"day folder", region + "2026/12/04/", december3, []string{region + "2026/12/04/"}},
		{"inside day folder", region + "2026/12/03/1234", december3, []string{region + "2026/12/03/1234"}},
		{"across new year", region, newYear,
			[]string{region + "2026/12/31/", region + "2027/01/01/", region + "2027/01/02/"}},
		{"open To", region, Window{From: at(12, 3, 10)}, []string{region}},
		{"open From", region, Window{To: at(12, 3, 10)}, []string{region}},
		{"zero window", region, Window{}, []string{region}},
		{"To before From", region, Window{From: at(12, 5, 0), To: at(12, 3, 0)}, nil},
		{"account ID of 11 digits", "AWSLogs/12345678901/elasticloadbalancing/eu-west-1/", december3,
			[]string{"AWSLogs/12345678901/elasticloadbalancing/eu-west-1/"}},
		{"AWSLogs inside a folder name", "myAWSLogs/123456789012/elasticloadbalancing/eu-west-1/", december3,
			[]string{"myAWSLogs/123456789012/elasticloadbalancing/eu-west-1/"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &s3Source{bucket: testBucket, prefix: tt.prefix}
			assert.Equal(t, tt.want, src.listPrefixes(tt.window))
		})
	}
}

func TestS3SourceOpenSendsIfMatch(t *testing.T) {
	server := startS3(t)
	key := logKey(KindALBAccess, time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC), time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), "10.0.1.7", "abc")
	server.PutGzipObject(t, testBucket, key, []byte("line\n"))

	client := &recordingClient{S3API: server.Client}
	src, err := NewS3Source(client, "s3://"+testBucket)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})
	require.Len(t, objects, 1)
	assert.Equal(t, "line\n", readAll(t, src, objects[0]))

	require.Len(t, client.gets, 1)
	assert.Equal(t, `"`+objects[0].ETag+`"`, aws.ToString(client.gets[0].IfMatch))
	assert.Equal(t, key, aws.ToString(client.gets[0].Key))
}

// preconditionFailedClient fails every GetObject with the error that S3
// returns when If-Match no longer matches the object's ETag.
type preconditionFailedClient struct{ S3API }

func (preconditionFailedClient) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
}

func TestS3SourceOpenChangedObject(t *testing.T) {
	src, err := NewS3Source(preconditionFailedClient{}, "s3://"+testBucket)
	require.NoError(t, err)
	uri := "s3://" + testBucket + "/a.log.gz"

	_, err = src.Open(context.Background(), Object{URI: uri, Key: "a.log.gz", ETag: "0123abcd"})

	require.Error(t, err)
	assert.Contains(t, err.Error(), uri)
	assert.Contains(t, err.Error(), "changed after it was listed")
}

func TestS3SourceCorruptGzip(t *testing.T) {
	server := startS3(t)
	compressed := s3fake.Gzip(t, []byte("a line that is long enough to compress\n"))
	truncated := compressed[:len(compressed)-6]
	badCRC := append([]byte(nil), compressed...)
	badCRC[len(badCRC)-8] ^= 0xff
	server.PutObject(t, testBucket, "truncated.log.gz", truncated)
	server.PutObject(t, testBucket, "bad-crc.log.gz", badCRC)
	server.PutObject(t, testBucket, "bad-header.log.gz", []byte{0x1f, 0x8b, 0x00, 0x00})

	src, err := NewS3Source(server.Client, "s3://"+testBucket)
	require.NoError(t, err)

	for _, key := range []string{"truncated.log.gz", "bad-crc.log.gz"} {
		t.Run(key, func(t *testing.T) {
			uri := "s3://" + testBucket + "/" + key
			r, err := src.Open(context.Background(), Object{URI: uri, Key: key})
			require.NoError(t, err)
			defer r.Close()

			_, err = io.ReadAll(r)

			require.Error(t, err)
			assert.Contains(t, err.Error(), "inflate gzip object "+uri+": ")
		})
	}

	t.Run("bad-header.log.gz", func(t *testing.T) {
		uri := "s3://" + testBucket + "/bad-header.log.gz"

		_, err := src.Open(context.Background(), Object{URI: uri, Key: "bad-header.log.gz"})

		require.Error(t, err)
		assert.Contains(t, err.Error(), "read "+uri+": invalid gzip stream: ")
	})
}

func TestS3SourceAccessDenied(t *testing.T) {
	server := startS3(t)
	key := "AWSLogs/" + testAccount + "/secret.log.gz"
	server.PutGzipObject(t, testBucket, key, []byte("line\n"))
	server.Deny(testBucket, key)
	uri := "s3://" + testBucket + "/" + key

	src, err := NewS3Source(server.Client, "s3://"+testBucket)
	require.NoError(t, err)
	_, err = src.Open(context.Background(), Object{URI: uri, Key: key})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "open "+uri)
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "AccessDenied", apiErr.ErrorCode())
}

func TestS3SourceMissingObject(t *testing.T) {
	server := startS3(t)
	key := "AWSLogs/" + testAccount + "/deleted.log.gz"
	uri := "s3://" + testBucket + "/" + key

	src, err := NewS3Source(server.Client, "s3://"+testBucket)
	require.NoError(t, err)
	_, err = src.Open(context.Background(), Object{URI: uri, Key: key})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "open "+uri)
	var noSuchKey *types.NoSuchKey
	assert.ErrorAs(t, err, &noSuchKey)
}

func TestS3SourceMissingBucket(t *testing.T) {
	server := startS3(t)

	src, err := NewS3Source(server.Client, "s3://no-such-bucket/AWSLogs/")
	require.NoError(t, err)
	err = src.List(context.Background(), Window{}, func(Object) error { return nil })

	require.Error(t, err)
	assert.Contains(t, err.Error(), "list s3://no-such-bucket/AWSLogs/")
	var noSuchBucket *types.NoSuchBucket
	assert.ErrorAs(t, err, &noSuchBucket)
}

func TestS3SourceStopsOnCallbackError(t *testing.T) {
	server := startS3(t)
	server.PutObject(t, testBucket, "a.log", []byte("a"))
	server.PutObject(t, testBucket, "b.log", []byte("b"))
	stop := errors.New("stop")

	src, err := NewS3Source(server.Client, "s3://"+testBucket)
	require.NoError(t, err)
	calls := 0
	err = src.List(context.Background(), Window{}, func(Object) error {
		calls++
		return stop
	})

	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}

func TestParseS3URI(t *testing.T) {
	tests := []struct {
		uri    string
		bucket string
		prefix string
	}{
		{"s3://alb-logs", "alb-logs", ""},
		{"s3://alb-logs/", "alb-logs", ""},
		{"s3://alb-logs/AWSLogs", "alb-logs", "AWSLogs"},
		{"s3://alb-logs/team/AWSLogs/", "alb-logs", "team/AWSLogs/"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			bucket, prefix, err := ParseS3URI(tt.uri)
			require.NoError(t, err)
			assert.Equal(t, tt.bucket, bucket, "bucket")
			assert.Equal(t, tt.prefix, prefix, "prefix")
		})
	}

	for _, uri := range []string{"s3://", "s3:///AWSLogs/", "s3:alb-logs", "alb-logs/AWSLogs", "S3://alb-logs", "https://alb-logs.s3.amazonaws.com/"} {
		t.Run("invalid "+uri, func(t *testing.T) {
			_, _, err := ParseS3URI(uri)
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", uri))
		})
	}
}

func TestLoadAWSConfigEnvironmentEndpoint(t *testing.T) {
	server := startS3(t)
	key := logKey(KindNLB, time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC), time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), "", "abc")
	server.PutGzipObject(t, testBucket, key, []byte("tls line\n"))

	cfg, err := LoadAWSConfig(context.Background(), "")
	require.NoError(t, err)
	client := s3.NewFromConfig(cfg)
	assert.Equal(t, server.URL, aws.ToString(client.Options().BaseEndpoint), "BaseEndpoint")
	assert.True(t, client.Options().UsePathStyle, "UsePathStyle")

	src, err := NewS3Source(client, "s3://"+testBucket+"/AWSLogs/")
	require.NoError(t, err)
	objects := listAll(t, src, Window{})
	require.Len(t, objects, 1)
	assert.Equal(t, KindNLB, objects[0].Kind)
	assert.Equal(t, "tls line\n", readAll(t, src, objects[0]))
}

func TestLoadAWSConfigServiceEndpoint(t *testing.T) {
	server := startS3(t)
	server.PutObject(t, testBucket, "a.log", []byte("a"))
	setAWSEnv(t, "")
	t.Setenv("AWS_ENDPOINT_URL_S3", server.URL)

	cfg, err := LoadAWSConfig(context.Background(), "")
	require.NoError(t, err)
	client := s3.NewFromConfig(cfg)
	src, err := NewS3Source(client, "s3://"+testBucket)
	require.NoError(t, err)

	assert.True(t, client.Options().UsePathStyle, "UsePathStyle")
	assert.Len(t, listAll(t, src, Window{}), 1)
}

func TestLoadAWSConfigExplicitEndpoint(t *testing.T) {
	explicit := startS3(t)
	explicit.PutObject(t, testBucket, "explicit.log", []byte("explicit"))
	configured := s3fake.Start(t)
	t.Setenv("AWS_ENDPOINT_URL", configured.URL)
	t.Setenv("AWS_ENDPOINT_URL_S3", configured.URL)

	cfg, err := LoadAWSConfig(context.Background(), explicit.URL)
	require.NoError(t, err)
	src, err := NewS3Source(s3.NewFromConfig(cfg), "s3://"+testBucket)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	require.Len(t, objects, 1)
	assert.Equal(t, "explicit.log", objects[0].Key)
}

func TestLoadAWSConfigIgnoredEndpointsKeepExplicit(t *testing.T) {
	server := startS3(t)
	server.PutObject(t, testBucket, "a.log", []byte("a"))
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")

	cfg, err := LoadAWSConfig(context.Background(), server.URL)
	require.NoError(t, err)
	src, err := NewS3Source(s3.NewFromConfig(cfg), "s3://"+testBucket)
	require.NoError(t, err)

	assert.Len(t, listAll(t, src, Window{}), 1)
}

func TestNewS3ClientExplicitEndpoint(t *testing.T) {
	explicit := startS3(t)
	explicit.PutObject(t, testBucket, "explicit.log", []byte("explicit"))
	configured := s3fake.Start(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", configured.URL)

	cfg, err := LoadAWSConfig(context.Background(), "")
	require.NoError(t, err)
	client := NewS3Client(cfg, explicit.URL)
	src, err := NewS3Source(client, "s3://"+testBucket)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	assert.Equal(t, explicit.URL, aws.ToString(client.Options().BaseEndpoint), "BaseEndpoint")
	assert.True(t, client.Options().UsePathStyle, "UsePathStyle")
	require.Len(t, objects, 1)
	assert.Equal(t, "explicit.log", objects[0].Key)
}

func TestLoadAWSConfigWithoutEndpoint(t *testing.T) {
	setAWSEnv(t, "")

	cfg, err := LoadAWSConfig(context.Background(), "")
	require.NoError(t, err)
	client := s3.NewFromConfig(cfg)

	assert.Nil(t, client.Options().BaseEndpoint, "BaseEndpoint")
	assert.False(t, client.Options().UsePathStyle, "UsePathStyle")
	assert.Equal(t, s3fake.Region, cfg.Region)
}

func TestOpenSourceLocal(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), accessName2), []byte("line\n"))
	noClient := func() (S3API, error) {
		t.Error("OpenSource created an S3 client for a local path")
		return nil, errors.New("no S3 client in this test")
	}

	src, err := OpenSource(context.Background(), path, noClient)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	require.Len(t, objects, 1)
	assert.Equal(t, path, objects[0].URI)
}

func TestOpenSourceS3(t *testing.T) {
	server := startS3(t)
	server.PutObject(t, testBucket, "AWSLogs/a.log", []byte("a"))
	calls := 0
	client := func() (S3API, error) {
		calls++
		return server.Client, nil
	}

	src, err := OpenSource(context.Background(), "s3://"+testBucket+"/AWSLogs/", client)
	require.NoError(t, err)
	objects := listAll(t, src, Window{})

	assert.Equal(t, 1, calls, "client creations")
	require.Len(t, objects, 1)
	assert.Equal(t, "s3://"+testBucket+"/AWSLogs/a.log", objects[0].URI)
}

func TestOpenSourceS3ClientError(t *testing.T) {
	failure := errors.New("no credentials")
	client := func() (S3API, error) { return nil, failure }

	_, err := OpenSource(context.Background(), "s3://"+testBucket+"/AWSLogs/", client)

	assert.ErrorIs(t, err, failure)
	assert.Contains(t, err.Error(), "s3://"+testBucket+"/AWSLogs/")
}

func TestOpenSourceInvalidS3URI(t *testing.T) {
	client := func() (S3API, error) {
		t.Error("OpenSource created an S3 client for an invalid URI")
		return nil, errors.New("no S3 client in this test")
	}

	for _, uri := range []string{"s3://", "S3://alb-logs/AWSLogs/"} {
		_, err := OpenSource(context.Background(), uri, client)

		require.Error(t, err, uri)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", uri))
	}
}
