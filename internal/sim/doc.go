// Package sim simulates a migration of mutual-TLS traffic from a Network Load
// Balancer to an Application Load Balancer and writes the logs that the ALB
// would deliver to S3, and those that the nginx terminators behind the NLB
// would ship there.
//
// The model has client identities, each with a certificate, source
// addresses and a behaviour. Clients sit behind DNS resolvers that pick the
// ALB or the NLB path by the Route 53 weight and cache that answer. Request
// rates follow a daily curve, keep-alive connections carry many requests,
// and clients retry after failed handshakes. Connections on the ALB path become connection-log lines and
// their requests become access-log lines, in gzip objects named and foldered
// as ALB names them. Connections on the NLB path land on one of the
// terminators, where nginx writes access-log lines in
// nginx.RecommendedLogFormat and error-log lines at the info level, in gzip
// objects under TerminatorKeyPrefix. The NLB's TCP health checks appear in
// the error logs as connections from the NLB's subnets. When
// Config.TerminatorLogEvents is set and the writer is a LogEventWriter, the
// terminators' lines go out as CloudWatch Logs events instead, one stream
// per instance.
//
// When the writer is a MetricWriter, Run also writes the CloudWatch metrics
// of both load balancers (AWS/ApplicationELB and AWS/NetworkELB), one
// datapoint per metric and minute, counted from the same connections and
// requests that the logs show. Like the ALB, the simulator leaves out ALB
// count datapoints that would be zero.
//
// Output is deterministic: the same Config gives byte-identical objects, and
// the same metrics and log events, with the same versions of Go and of
// github.com/klauspost/compress, whose random number and gzip output could
// change between versions. The clock is
// Config.Start and nothing reads the wall clock. Run keeps only the 5-minute intervals that still receive lines in
// memory, so a day of logs streams through a small buffer.
//
// The Summary that Run returns is the ground truth that ingest and analysis
// tests compare their results with.
package sim
