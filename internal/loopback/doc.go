// Package loopback serves AWS APIs on 127.0.0.1 for the demo and for tests,
// so that the AWS SDK runs its real wire protocol against a server of the
// project's own instead of AWS.
//
// [Start] serves every service on one port and routes each request by its
// wire protocol, as the SDK's default client for the service sends it:
//
//   - CloudWatch: Smithy RPCv2 CBOR, a POST to
//     /service/GraniteServiceVersion20100801/operation/NAME with the header
//     Smithy-Protocol: rpc-v2-cbor. See [CloudWatch].
//   - CloudWatch Logs: AWS JSON 1.1, a POST with the header
//     X-Amz-Target: Logs_20140328.NAME. See [Logs].
//   - EC2: ec2query, a form with Action and Version=2016-11-15, for
//     instances, Elastic IP addresses and VPC endpoint services. See [EC2].
//   - Elastic Load Balancing v2: awsQuery, a form with Action and
//     Version=2015-12-01. See [ELBv2].
//   - Route 53: REST-XML under the path /2013-04-01/. See [Route53].
//   - STS: awsQuery, a form with Action and Version=2011-06-15, for
//     GetCallerIdentity only. See [STS].
//   - S3: every other request, served by gofakes3 with an in-memory backend.
//
// Each service keeps its state in memory and has a [Faults] queue that
// injects throttling, server errors and other API errors, delays, dropped
// connections before or after the handler runs, and truncated responses.
// The server does not check request signatures.
package loopback
