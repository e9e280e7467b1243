package synth

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

const (
	eventTimeLayout = "2006-01-02T15:04:05Z"
	alarmTimeLayout = "2006-01-02T15:04:05.000000+00:00"
)

// breachHeader and breachFooter stand for the dashboard page text around
// the alerts that a copy-paste of the page picks up.
const (
	breachHeader = "BreachInsider\nDashboard\nHoney Buckets\nSettings\nLogout\nHoney Bucket Alerts\n"
	breachFooter = "\nLoad more\n© BreachInsider. All rights reserved.\nPrivacy Policy\nTerms of Service\n"
)

// WriteBreachInsider writes recs as the text of the BreachInsider dashboard
// page (DESIGN.md, Inputs 1): header, one block per alert, footer. recs
// must come newest first (Generator.Descending); anything else is an error,
// because the dashboard never lists alerts in another order.
func WriteBreachInsider(w io.Writer, recs iter.Seq[*Record]) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(breachHeader)
	var prev time.Time
	var b []byte
	for r := range recs {
		if !prev.IsZero() && r.Time.After(prev) {
			return fmt.Errorf("breachinsider: alert #%d is newer than the one before it: records must be newest first", r.Alert)
		}
		prev = r.Time
		b = appendBreachAlert(b[:0], r)
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("breachinsider: %w", err)
		}
	}
	bw.WriteString(breachFooter)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("breachinsider: %w", err)
	}
	return nil
}

func appendBreachAlert(b []byte, r *Record) []byte {
	b = append(b, "\nAlert #"...)
	b = strconv.AppendInt(b, int64(r.Alert), 10)
	b = append(b, " – "...)
	b = appendEventTime(b, r.Time)
	b = append(b, "\nEvent ID: "...)
	b = append(b, r.EventID...)
	b = append(b, "\nEvent DateTime\n"...)
	b = appendEventTime(b, r.Time)
	b = append(b, "\nAlarm DateTime\n"...)
	b = appendAlarmTime(b, r.AlarmTime)
	b = append(b, "\nSource IP\n"...)
	b = r.Source.AppendTo(b)
	b = append(b, "\nRequest User Agent\n"...)
	b = append(b, r.UserAgent...)
	b = append(b, "\nRepeated Attempts\n"...)
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	b = append(b, "\nAWS Request Details\nEvent Type\nAwsApiCall\nEvent Name\n"...)
	b = append(b, r.Op...)
	b = append(b, "\nRequest ID\n"...)
	b = append(b, r.RequestID...)
	b = append(b, "\nRequest User Agent\n"...)
	b = append(b, r.UserAgent...)
	b = append(b, "\nUser ID\n"...)
	b = appendPyUserID(b, r.Principal)
	b = append(b, "\nRequest Parameters\n"...)
	b = append(b, r.req.py...)
	b = append(b, '\n')
	if r.ErrorCode != "" {
		b = append(b, "Error Code\n"...)
		b = append(b, r.ErrorCode...)
		b = append(b, "\nError Message\n"...)
		b = append(b, r.ErrorMessage...)
		b = append(b, '\n')
	}
	return b
}

// appendPyUserID writes the identity as BreachInsider does: the Python
// repr of CloudTrail's userIdentity.
func appendPyUserID(b []byte, p Principal) []byte {
	b = append(b, "{'type': 'AWSAccount', 'principalId': '"...)
	b = append(b, p.PrincipalID...)
	b = append(b, "', 'accountId': '"...)
	b = append(b, p.AccountID...)
	return append(b, "'}"...)
}

// csvHeader is the BreachInsider CSV export's header, column for column.
const csvHeader = "Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\r\n"

// WriteBreachCSV writes recs as the BreachInsider CSV export: CRLF lines,
// fields quoted only when they need it, and the Alert column written as
// " N-TIME" with its leading space, as the export does. The export has no
// error columns. recs must come newest first.
func WriteBreachCSV(w io.Writer, recs iter.Seq[*Record]) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(csvHeader)
	var prev time.Time
	var b, f []byte
	for r := range recs {
		if !prev.IsZero() && r.Time.After(prev) {
			return fmt.Errorf("breachinsider csv: alert #%d is newer than the one before it: records must be newest first", r.Alert)
		}
		prev = r.Time
		b = append(b[:0], "AwsApiCall,"...)
		b = append(b, r.Op...)
		b = append(b, ',')
		b = append(b, r.RequestID...)
		b = append(b, ',')
		f = appendPyUserID(f[:0], r.Principal)
		b = appendCSVField(b, f)
		b = append(b, ',')
		b = appendCSVField(b, r.req.py)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(r.Alert), 10)
		b = append(b, '-')
		b = appendEventTime(b, r.Time)
		b = append(b, ',')
		b = append(b, r.EventID...)
		b = append(b, ',')
		b = appendEventTime(b, r.Time)
		b = append(b, ',')
		b = appendAlarmTime(b, r.AlarmTime)
		b = append(b, ',')
		b = r.Source.AppendTo(b)
		b = append(b, ',')
		b = appendCSVField(b, r.UserAgent)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.Attempts), 10)
		b = append(b, "\r\n"...)
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("breachinsider csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("breachinsider csv: %w", err)
	}
	return nil
}

// appendCSVField quotes f when it holds a comma, quote or line break,
// doubling quotes (RFC 4180).
func appendCSVField[T string | []byte](b []byte, f T) []byte {
	quote := false
	for i := 0; i < len(f); i++ {
		if c := f[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
