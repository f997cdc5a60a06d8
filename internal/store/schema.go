package store

// SchemaVersion is the version of the tables below. Open upgrades an older
// database by running the migrations after its version, in order.
const SchemaVersion = 3

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
	// terminate mutual TLS on EC2 instances, one row per terminator.Record,
	// and the count of lines in each object that are neither rows nor
	// rejected lines because they are about something other than TLS.
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
}
