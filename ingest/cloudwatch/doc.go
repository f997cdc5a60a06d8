// Package cloudwatch pulls the CloudWatch metrics of Application and Network
// Load Balancers and returns them as rows, one per series, statistic and
// period. It does not store them: the caller loads the rows into the metrics
// table.
//
// [Resolve] turns a load balancer's name or ARN into a [LoadBalancer] with its
// CloudWatch dimension values and target groups. [Pull] then reads the metrics
// of the [Catalogue] for a window:
//
//  1. It picks the period from the age of the window's start, because
//     CloudWatch keeps 60-second datapoints for 15 days, 300-second
//     datapoints for 63 days and 3600-second datapoints for 455 days.
//  2. It calls ListMetrics to find which catalogue metrics exist for each
//     load balancer and target group. A metric that does not exist is reported in
//     [Result.Missing] and returns no rows, so a metric that the load
//     balancer never published is not mistaken for one that stayed at zero.
//  3. It fetches every series with GetMetricData, in as few calls as the
//     per-call limits allow, and follows NextToken through every page.
//  4. It returns exactly one row per series, statistic and period of the
//     window. An Application Load Balancer publishes most count metrics only
//     when they are not zero, so a count period without a datapoint becomes
//     0 and is marked as filled. Network Load Balancer counts are treated the
//     same way. A gauge or latency period without a datapoint becomes a row
//     whose value is unknown.
//
// # Terms
//
//   - Series: one metric with one set of dimensions, such as RequestCount
//     with LoadBalancer=app/web/0123456789abcdef.
//   - Dimension value: the CloudWatch name of a resource. A load balancer's is
//     the part of its ARN after "loadbalancer/" ("app/<name>/<id>" or
//     "net/<name>/<id>"), and a target group's is the part of its ARN that
//     starts with "targetgroup/".
//   - Statistic: Sum, Average, Minimum, Maximum, or a percentile such as p99.
//   - Period: the length of one datapoint in seconds, 60, 300 or 3600 here.
//   - Window: the half-open time range [From, To) that a pull covers, in
//     whole periods.
//
// Time values in the results are UTC and mark the start of a period.
package cloudwatch
