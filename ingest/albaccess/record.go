package albaccess

import (
	"database/sql"
	"time"
)

// Record is one ALB access-log entry. Fields follow the AWS field names in log
// order. A field the line does not have (older lines are shorter) or that holds
// the "-" placeholder is not Valid, and neither are processing times of -1.
// Times are UTC.
type Record struct {
	Type                   string
	Time                   time.Time
	ELB                    string
	ClientIP               string
	ClientPort             sql.NullInt32
	TargetIP               sql.NullString
	TargetPort             sql.NullInt32
	RequestProcessingTime  sql.NullFloat64 // seconds
	TargetProcessingTime   sql.NullFloat64 // seconds
	ResponseProcessingTime sql.NullFloat64 // seconds
	ELBStatusCode          sql.NullInt32
	TargetStatusCode       sql.NullInt32
	ReceivedBytes          sql.NullInt64
	SentBytes              sql.NullInt64
	RequestVerb            sql.NullString
	RequestURL             sql.NullString
	RequestProto           sql.NullString
	UserAgent              sql.NullString
	SSLCipher              sql.NullString
	SSLProtocol            sql.NullString
	TargetGroupARN         sql.NullString
	TraceID                sql.NullString
	DomainName             sql.NullString
	ChosenCertARN          sql.NullString
	MatchedRulePriority    sql.NullInt32 // -1 is kept: it means a rule evaluation error
	RequestCreationTime    sql.NullTime
	ActionsExecuted        sql.NullString
	RedirectURL            sql.NullString
	ErrorReason            sql.NullString
	TargetPortList         sql.NullString
	TargetStatusCodeList   sql.NullString
	Classification         sql.NullString
	ClassificationReason   sql.NullString
	ConnTraceID            sql.NullString
	TransformedHost        sql.NullString
	TransformedURI         sql.NullString
	RequestTransformStatus sql.NullString

	// Extra holds the fields after the last one this version reads, joined by
	// single spaces as logged (quotes included), or "" when there are none.
	Extra string
}
