package loopback

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSTSClient(srv *Server) *sts.Client {
	return sts.New(sts.Options{
		Region:       testRegion,
		Credentials:  testCredentials,
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      noBackoffRetryer(),
	})
}

func TestGetCallerIdentityDefault(t *testing.T) {
	srv := startServer(t)

	out, err := newSTSClient(srv).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, testAccountID, aws.ToString(out.Account))
	assert.Equal(t, "arn:aws:iam::123456789012:user/loopback", aws.ToString(out.Arn))
	assert.Equal(t, "AIDALOOPBACKUSER00001", aws.ToString(out.UserId))
	assert.Equal(t, 1, srv.STS.Calls("GetCallerIdentity"))
}

func TestGetCallerIdentitySet(t *testing.T) {
	srv := startServer(t)
	client := newSTSClient(srv)
	ctx := context.Background()

	srv.STS.SetCallerIdentity(CallerIdentity{Arn: "arn:aws:sts::123456789012:assumed-role/cutover/session"})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:sts::123456789012:assumed-role/cutover/session", aws.ToString(out.Arn))
	assert.Equal(t, testAccountID, aws.ToString(out.Account))

	srv.STS.SetCallerIdentity(CallerIdentity{Account: "210987654321", UserID: "AROALOOPBACK:session"})
	out, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, "210987654321", aws.ToString(out.Account))
	assert.Equal(t, "arn:aws:iam::210987654321:user/loopback", aws.ToString(out.Arn))
	assert.Equal(t, "AROALOOPBACK:session", aws.ToString(out.UserId))
	assert.Equal(t, CallerIdentity{
		Account: "210987654321", Arn: "arn:aws:iam::210987654321:user/loopback", UserID: "AROALOOPBACK:session",
	}, srv.STS.CallerIdentity())
}

func TestGetCallerIdentityFaults(t *testing.T) {
	srv := startServer(t)
	require.NoError(t, srv.STS.Faults.Inject(Fault{Kind: FaultThrottle, Action: "GetCallerIdentity", Count: 1}))
	require.NoError(t, srv.STS.Faults.Inject(Fault{Kind: FaultDrop, Action: "GetCallerIdentity", Count: 1}))

	out, err := newSTSClient(srv).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, testAccountID, aws.ToString(out.Account))
	assert.Equal(t, 3, srv.STS.Calls("GetCallerIdentity"))

	require.NoError(t, srv.STS.Faults.Inject(Fault{Kind: FaultAPIError, Code: "ExpiredToken", Action: "GetCallerIdentity", Count: 1}))
	_, err = newSTSClient(srv).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	requireAPIError(t, err, "ExpiredToken")
}
