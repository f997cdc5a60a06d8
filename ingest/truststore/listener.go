package truststore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// MutualAuthentication is the mutual TLS configuration of a listener in
// verify mode, as DescribeListeners returns it.
type MutualAuthentication struct {
	ListenerARN string
	// TrustStoreARN is the trust store that the listener verifies client
	// certificates against.
	TrustStoreARN                 string
	IgnoreClientCertificateExpiry bool
}

// DescribeMutualAuthentication returns the mutual TLS configuration of the
// listener with listenerARN. It returns an error unless the listener is in
// verify mode with an associated trust store, because only then does the
// ALB check client certificates. A listener that does not exist is an error
// that matches ErrNotFound.
func DescribeMutualAuthentication(ctx context.Context, client ELBv2API, listenerARN string) (MutualAuthentication, error) {
	if !IsARN(listenerARN) {
		return MutualAuthentication{}, fmt.Errorf("invalid listener ARN %q: expected an ARN such as arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID", listenerARN)
	}
	out, err := client.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{listenerARN}})
	if err != nil {
		var missing *types.ListenerNotFoundException
		if errors.As(err, &missing) {
			return MutualAuthentication{}, &notFoundError{message: fmt.Sprintf(
				"listener %s not found: check the ARN, and that the region is the listener's region", listenerARN)}
		}
		return MutualAuthentication{}, fmt.Errorf("describe listener %s: %w", listenerARN, err)
	}
	if len(out.Listeners) != 1 {
		return MutualAuthentication{}, fmt.Errorf("describe listener %s: ELBv2 returned %d listeners, expected 1", listenerARN, len(out.Listeners))
	}

	mtls := out.Listeners[0].MutualAuthentication
	mode := "off"
	if mtls != nil && aws.ToString(mtls.Mode) != "" {
		mode = aws.ToString(mtls.Mode)
	}
	switch mode {
	case "verify":
	case "passthrough":
		return MutualAuthentication{}, fmt.Errorf(
			"listener %s is in mutual TLS passthrough mode: the ALB does not verify client certificates, so there is nothing to predict", listenerARN)
	case "off":
		return MutualAuthentication{}, fmt.Errorf(
			"listener %s has mutual TLS off: the ALB does not request client certificates, so there is nothing to predict", listenerARN)
	default:
		return MutualAuthentication{}, fmt.Errorf(
			"listener %s has mutual TLS mode %q, expected verify", listenerARN, mode)
	}

	trustStoreARN := aws.ToString(mtls.TrustStoreArn)
	if trustStoreARN == "" {
		return MutualAuthentication{}, fmt.Errorf("listener %s is in mutual TLS verify mode but names no trust store", listenerARN)
	}
	if mtls.TrustStoreAssociationStatus == types.TrustStoreAssociationStatusEnumRemoved {
		return MutualAuthentication{}, fmt.Errorf(
			"the trust store %s of listener %s was removed: associate a trust store with the listener", trustStoreARN, listenerARN)
	}
	return MutualAuthentication{
		ListenerARN:                   listenerARN,
		TrustStoreARN:                 trustStoreARN,
		IgnoreClientCertificateExpiry: aws.ToBool(mtls.IgnoreClientCertificateExpiry),
	}, nil
}
