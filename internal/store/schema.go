package store

// SchemaVersion is the version of the tables below. Open upgrades an older
// database by running the migrations after its version, in order.
const SchemaVersion = 12

// migrations[i] brings a database from version i to version i+1.
var migrations = []string{
	// Version 1: ALB access and connection logs, the manifest of loaded
	// objects and the lines no parser could read.
	`
CREATE TABLE objects (
	uri            VARCHAR PRIMARY KEY,
	etag           VARCHAR NOT NULL,
	size           BIGINT NOT NULL,
	kind           VARCHAR NOT NULL,
	parser_version INTEGER NOT NULL,
	rows           BIGINT NOT NULL,
	rejected       BIGINT NOT NULL,
	loaded_at      TIMESTAMPTZ NOT NULL,
	interval_end   TIMESTAMPTZ,
	load_balancer  VARCHAR,
	node           VARCHAR
);

CREATE TABLE alb_access (
	type                     VARCHAR,
	time                     TIMESTAMPTZ,
	elb                      VARCHAR,
	client_ip                VARCHAR,
	client_port              INTEGER,
	target_ip                VARCHAR,
	target_port              INTEGER,
	request_processing_time  DOUBLE,
	target_processing_time   DOUBLE,
	response_processing_time DOUBLE,
	elb_status_code          INTEGER,
	target_status_code       INTEGER,
	received_bytes           BIGINT,
	sent_bytes               BIGINT,
	request_verb             VARCHAR,
	request_url              VARCHAR,
	request_proto            VARCHAR,
	user_agent               VARCHAR,
	ssl_cipher               VARCHAR,
	ssl_protocol             VARCHAR,
	target_group_arn         VARCHAR,
	trace_id                 VARCHAR,
	domain_name              VARCHAR,
	chosen_cert_arn          VARCHAR,
	matched_rule_priority    INTEGER,
	request_creation_time    TIMESTAMPTZ,
	actions_executed         VARCHAR,
	redirect_url             VARCHAR,
	error_reason             VARCHAR,
	target_port_list         VARCHAR,
	target_status_code_list  VARCHAR,
	classification           VARCHAR,
	classification_reason    VARCHAR,
	conn_trace_id            VARCHAR,
	transformed_host         VARCHAR,
	transformed_uri          VARCHAR,
	request_transform_status VARCHAR,
	extra_fields             VARCHAR,
	source_uri               VARCHAR NOT NULL,
	source_line              INTEGER NOT NULL
);

CREATE TABLE alb_connection (
	time                           TIMESTAMPTZ,
	client_ip                      VARCHAR,
	client_port                    INTEGER,
	listener_port                  INTEGER,
	tls_protocol                   VARCHAR,
	tls_cipher                     VARCHAR,
	tls_handshake_latency          DOUBLE,
	leaf_client_cert_subject       VARCHAR,
	leaf_client_cert_validity      VARCHAR,
	cert_not_before                TIMESTAMPTZ,
	cert_not_after                 TIMESTAMPTZ,
	leaf_client_cert_serial_number VARCHAR,
	tls_verify_status              VARCHAR,
	conn_trace_id                  VARCHAR,
	tls_keyexchange                VARCHAR,
	elb                            VARCHAR,
	ip_address                     VARCHAR,
	extra_fields                   VARCHAR,
	source_uri                     VARCHAR NOT NULL,
	source_line                    INTEGER NOT NULL
);

CREATE TABLE rejected_lines (
	uri    VARCHAR NOT NULL,
	line   INTEGER NOT NULL,
	reason VARCHAR NOT NULL,
	raw    VARCHAR NOT NULL
);
`,
	// Version 2: NLB TLS access logs. The timings are milliseconds, as the
	// NLB logs them.
	`
CREATE TABLE nlb_tls (
	type                         VARCHAR,
	version                      VARCHAR,
	time                         TIMESTAMPTZ,
	elb                          VARCHAR,
	listener                     VARCHAR,
	client_ip                    VARCHAR,
	client_port                  INTEGER,
	destination_ip               VARCHAR,
	destination_port             INTEGER,
	connection_time_ms           DOUBLE,
	tls_handshake_time_ms        DOUBLE,
	received_bytes               BIGINT,
	sent_bytes                   BIGINT,
	incoming_tls_alert           INTEGER,
	chosen_cert_arn              VARCHAR,
	chosen_cert_serial           VARCHAR,
	tls_cipher                   VARCHAR,
	tls_protocol_version         VARCHAR,
	tls_named_group              VARCHAR,
	domain_name                  VARCHAR,
	alpn_fe_protocol             VARCHAR,
	alpn_be_protocol             VARCHAR,
	alpn_client_preference_list  VARCHAR,
	tls_connection_creation_time TIMESTAMPTZ,
	extra_fields                 VARCHAR,
	source_uri                   VARCHAR NOT NULL,
	source_line                  INTEGER NOT NULL
);
`,
	// Version 3: the logs of the proxies (nginx, Envoy, HAProxy) that
	// terminate mutual TLS on EC2 instances, one row per terminator.Record.
	// objects gains the count of lines that are neither rows nor rejected
	// lines, because they are about something other than TLS.
	// instance names the EC2 instance, path the traffic path the instance
	// served ('nlb' or 'alb'), and log the proxy's log that held the line:
	// 'access' or 'error' for nginx, 'listener' or 'http' for Envoy, 'http'
	// or 'connection_error' for HAProxy.
	// DuckDB cannot add a column with a NOT NULL constraint, so
	// skipped_lines relies on its default and on every insert setting it.
	`
ALTER TABLE objects ADD COLUMN skipped_lines BIGINT DEFAULT 0;

CREATE TABLE terminator_tls (
	instance             VARCHAR NOT NULL,
	path                 VARCHAR NOT NULL,
	log                  VARCHAR NOT NULL,
	source               VARCHAR,
	kind                 VARCHAR,
	time                 TIMESTAMPTZ,
	connection_id        VARCHAR,
	connection_requests  BIGINT,
	client_ip            VARCHAR,
	client_port          INTEGER,
	forwarded_for        VARCHAR,
	sni                  VARCHAR,
	tls_protocol         VARCHAR,
	tls_cipher           VARCHAR,
	verify_raw           VARCHAR,
	outcome              VARCHAR,
	subject_raw          VARCHAR,
	issuer_raw           VARCHAR,
	serial_raw           VARCHAR,
	subject              VARCHAR,
	issuer               VARCHAR,
	serial               VARCHAR,
	cert_not_after       TIMESTAMPTZ,
	cert_pem             VARCHAR,
	method               VARCHAR,
	uri                  VARCHAR,
	status               INTEGER,
	user_agent           VARCHAR,
	bytes_sent           BIGINT,
	request_time         DOUBLE,
	upstream_header_time DOUBLE,
	handshake_time       DOUBLE,
	detail               VARCHAR,
	source_uri           VARCHAR NOT NULL,
	source_line          INTEGER NOT NULL
);
`,
	// Version 4: both paths in one shape. alb_connection gains the canonical
	// client identity (package identity) and the outcome word (package
	// outcome). Rows loaded before have NULL there until their objects are
	// reloaded. terminator_tls gains health_check, true for a load
	// balancer's health check. DuckDB cannot add a column with a NOT NULL
	// constraint, so health_check relies on its default and on every insert
	// setting it.
	//
	// View tls_handshakes has one row per connection attempt on either path,
	// without health checks. On the NLB path a connection is:
	//   - a kind 'handshake' row of Envoy (listener log) or HAProxy
	//     (connection error log).
	//   - an nginx error-log row of either kind, unless an access-log row
	//     shows the same event: same instance, connection_id and client_ip,
	//     times at most 2 seconds apart and, where both rows have them, the
	//     same method and uri.
	//   - the first kind 'request' row of each connection in the other logs:
	//     connection_requests = 1 where it is logged, else the earliest row
	//     per instance and connection_id, else every row, because without
	//     either column
	//     connections cannot be distinguished (HAProxy). Envoy request rows whose
	//     connection has a listener-log row are left out, because that row
	//     already counts the connection. An nginx request row without an
	//     outcome takes the outcome of its error-log row.
	//
	// View requests has one row per request on either path, without health
	// checks and without nginx error-log rows, which repeat access-log rows.
	// upstream_header_seconds is the time until the backend's response
	// headers: ALB target_processing_time, nginx $upstream_header_time.
	`
ALTER TABLE alb_connection ADD COLUMN subject VARCHAR;
ALTER TABLE alb_connection ADD COLUMN serial VARCHAR;
ALTER TABLE alb_connection ADD COLUMN outcome VARCHAR;
ALTER TABLE terminator_tls ADD COLUMN health_check BOOLEAN DEFAULT false;

` + viewsSQL,

	// Version 5: terminator_tls gains proxy_ip, the ALB node's address of a
	// record that came through the ALB to an instance serving both load
	// balancers. client_ip then contains the client's address from
	// X-Forwarded-For.
	`
ALTER TABLE terminator_tls ADD COLUMN proxy_ip VARCHAR;
`,

	// Version 6: the views again, because an nginx error-log line whose
	// access-log line is a health check (known by its user agent) counted as
	// a connection. Views hold no data, so every version that changes them
	// creates them anew from viewsSQL.
	viewsSQL,

	// Version 7: the views again, so that tls_handshakes names a load
	// balancer whose connection log lacks the elb field as app/name/id, the
	// form the field has, rather than the name.id of its object keys.
	viewsSQL,
	// Version 8: CloudWatch. metrics has one row per series, statistic and
	// period of a pulled window. Where CloudWatch returned no datapoint,
	// value is 0 for a count, because CloudWatch leaves out the periods of a
	// count that are zero, and NULL (unknown) for a gauge or a latency.
	// Column datapoint is false on those filled rows. metric_pulls records, for each
	// window pulled, every catalogue metric and whether CloudWatch publishes
	// it for that load balancer, so that a metric that does not exist is
	// never read as zero. objects gains the stream and the last event read
	// for CloudWatch Logs slices.
	`
CREATE TABLE metrics (
	namespace     VARCHAR NOT NULL,
	metric        VARCHAR NOT NULL,
	load_balancer VARCHAR NOT NULL,
	dimensions    VARCHAR NOT NULL,
	stat          VARCHAR NOT NULL,
	period        INTEGER NOT NULL,
	time          TIMESTAMPTZ NOT NULL,
	value         DOUBLE,
	unit          VARCHAR,
	datapoint     BOOLEAN NOT NULL,
	pulled_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE metric_pulls (
	namespace     VARCHAR NOT NULL,
	metric        VARCHAR NOT NULL,
	load_balancer VARCHAR NOT NULL,
	dimensions    VARCHAR NOT NULL,
	window_start  TIMESTAMPTZ NOT NULL,
	window_end    TIMESTAMPTZ NOT NULL,
	period        INTEGER NOT NULL,
	status        VARCHAR NOT NULL,
	reason        VARCHAR,
	pulled_at     TIMESTAMPTZ NOT NULL
);

ALTER TABLE objects ADD COLUMN log_stream VARCHAR;
ALTER TABLE objects ADD COLUMN last_event_id VARCHAR;
ALTER TABLE objects ADD COLUMN last_event_time TIMESTAMPTZ;
`,

	// Version 9: the views again. The connection rules of the terminators'
	// rows move into view target_handshakes, which applies them to the
	// rows of both paths, so that the targets behind an ALB in passthrough
	// mode are counted like the NLB's terminators. tls_handshakes takes its
	// NLB rows from it and does not change.
	viewsSQL,

	// Version 10: preflight_predictions has one row per client identity and
	// run of cutover preflight, with the predicted ALB verdict. Each run adds
	// rows under a new run_id and replaces none. share is the identity's
	// fraction of the NLB connections in the run's window, and a NULL
	// window_start or window_end is an unbounded side.
	`
CREATE TABLE preflight_predictions (
	run_id       VARCHAR NOT NULL,
	run_at       TIMESTAMPTZ NOT NULL,
	subject      VARCHAR,
	serial       VARCHAR,
	issuer       VARCHAR,
	verdict      VARCHAR NOT NULL,
	status       VARCHAR,
	explanation  VARCHAR,
	missing      VARCHAR,
	connections  BIGINT NOT NULL,
	share        DOUBLE,
	window_start TIMESTAMPTZ,
	window_end   TIMESTAMPTZ
);
`,

	// Version 11: gate_decisions mirrors the audit trail of cutover gate's
	// state, one row per entry. seq is the entry's position in the trail of
	// its state_location, which only grows, so each run replaces the rows of
	// its location. Weights are the records' Route 53 weights, and the
	// shares the ALB's percent of them.
	`
CREATE TABLE gate_decisions (
	state_location VARCHAR NOT NULL,
	seq            INTEGER NOT NULL,
	time           TIMESTAMPTZ NOT NULL,
	kind           VARCHAR NOT NULL,
	verdict        VARCHAR,
	executed       BOOLEAN NOT NULL,
	alb_share_before INTEGER,
	alb_share_after  INTEGER,
	nlb_weight_before INTEGER,
	alb_weight_before INTEGER,
	nlb_weight_after  INTEGER,
	alb_weight_after  INTEGER,
	outcome        VARCHAR,
	change_ids     VARCHAR,
	caller_arn     VARCHAR,
	caller_account VARCHAR,
	checks         JSON,
	message        VARCHAR,
	exit_code      INTEGER NOT NULL,
	PRIMARY KEY (state_location, seq)
);
`,

	// Version 12: preflight_predictions records how many of the identity's
	// NLB connections succeeded, so that a report separates the clients the
	// ALB would newly reject from those that fail on the NLB already.
	`ALTER TABLE preflight_predictions ADD COLUMN nlb_ok_connections BIGINT;`,
}

// viewsSQL creates the views target_handshakes, tls_handshakes and requests
// as migrations 4 and 9 describe them. target_handshakes has one row per
// connection of the terminators' rows of either path, by the rules that
// migration 4 gives for the NLB path. The health checks' own rows are left
// out, and so is the error-log line of an nginx event whose access-log line
// is a health check.
const viewsSQL = `
CREATE OR REPLACE VIEW target_handshakes AS
WITH target_all AS (
    SELECT * FROM terminator_tls
),
target_clients AS (
    SELECT * FROM target_all WHERE health_check IS NOT TRUE
),
same_event AS (
    SELECT
        a.source_uri AS access_uri,
        a.source_line AS access_line,
        e.source_uri AS error_uri,
        e.source_line AS error_line,
        e.outcome AS error_outcome,
        e.verify_raw AS error_verify_raw
    FROM target_all AS a
    JOIN target_all AS e
        ON e.path = a.path
        AND e.instance = a.instance
        AND e.connection_id = a.connection_id
        AND e.client_ip = a.client_ip
        AND e.time BETWEEN a.time - INTERVAL 2 SECOND AND a.time + INTERVAL 2 SECOND
        AND (a.method IS NULL OR e.method IS NULL OR a.method = e.method)
        AND (a.uri IS NULL OR e.uri IS NULL OR a.uri = e.uri)
    WHERE a.source = 'nginx' AND a.log = 'access' AND a.kind = 'request'
        AND e.source = 'nginx' AND e.log = 'error'
),
error_of_access AS (
    SELECT access_uri, access_line, min(error_outcome) AS outcome, min(error_verify_raw) AS verify_raw
    FROM same_event
    GROUP BY ALL
),
handshakes AS (
    SELECT t.*
    FROM target_clients AS t
    WHERE (t.kind = 'handshake' OR (t.source = 'nginx' AND t.log = 'error'))
        AND NOT EXISTS (
            SELECT 1 FROM same_event AS s WHERE s.error_uri = t.source_uri AND s.error_line = t.source_line
        )
),
first_requests AS (
    SELECT t.*
    FROM target_clients AS t
    WHERE t.kind = 'request'
        AND NOT (t.source = 'nginx' AND t.log = 'error')
        AND NOT (t.source = 'envoy' AND EXISTS (
            SELECT 1 FROM target_clients AS h
            WHERE h.source = 'envoy' AND h.kind = 'handshake' AND h.path = t.path
                AND h.instance = t.instance AND h.connection_id = t.connection_id
        ))
    QUALIFY CASE
        WHEN t.connection_requests IS NOT NULL THEN t.connection_requests = 1
        WHEN t.connection_id IS NULL THEN true
        ELSE row_number() OVER (
            PARTITION BY t.path, t.instance, t.connection_id ORDER BY t.time, t.source_uri, t.source_line) = 1
    END
)
SELECT
    path, time, instance, client_ip, subject, serial, outcome, verify_raw AS reason_raw,
    tls_protocol, handshake_time AS handshake_seconds, source_uri, source_line
FROM handshakes
UNION ALL
SELECT
    r.path, r.time, r.instance, r.client_ip, r.subject, r.serial,
    coalesce(r.outcome, e.outcome), coalesce(r.verify_raw, e.verify_raw),
    r.tls_protocol, r.handshake_time, r.source_uri, r.source_line
FROM first_requests AS r
LEFT JOIN error_of_access AS e ON e.access_uri = r.source_uri AND e.access_line = r.source_line;

CREATE OR REPLACE VIEW tls_handshakes AS
SELECT
    'alb' AS path,
    c.time,
    coalesce(c.elb, 'app/' || replace(o.load_balancer, '.', '/')) AS instance_or_elb,
    c.client_ip,
    c.subject,
    c.serial,
    c.outcome,
    c.tls_verify_status AS reason_raw,
    c.tls_protocol,
    c.tls_handshake_latency AS handshake_seconds,
    c.source_uri,
    c.source_line
FROM alb_connection AS c
LEFT JOIN objects AS o ON o.uri = c.source_uri
UNION ALL
SELECT
    'nlb', time, instance, client_ip, subject, serial, outcome, reason_raw,
    tls_protocol, handshake_seconds, source_uri, source_line
FROM target_handshakes
WHERE path = 'nlb';

CREATE OR REPLACE VIEW requests AS
SELECT
    'alb' AS path,
    a.time,
    a.elb AS instance_or_elb,
    a.client_ip,
    c.subject,
    c.serial,
    c.outcome,
    a.request_verb AS method,
    a.request_url AS uri,
    a.elb_status_code AS status,
    a.target_status_code AS target_status,
    a.target_processing_time AS upstream_header_seconds,
    a.source_uri,
    a.source_line
FROM alb_access AS a
LEFT JOIN alb_connection AS c ON c.conn_trace_id = a.conn_trace_id
UNION ALL
SELECT
    'nlb', time, instance, client_ip, subject, serial, outcome, method, uri,
    status, NULL, upstream_header_time, source_uri, source_line
FROM terminator_tls
WHERE path = 'nlb' AND kind = 'request' AND log <> 'error' AND health_check IS NOT TRUE;
`
