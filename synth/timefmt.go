package synth

import "time"

// Hand-written time formatting: time.AppendFormat parses its layout on
// every call, and the writers format three or four times per event.

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func appendDate(b []byte, t time.Time, sep byte) []byte {
	y, m, d := t.Date()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), sep)
	b = append2(b, int(m))
	b = append(b, sep)
	return append2(b, d)
}

func appendClock(b []byte, t time.Time) []byte {
	h, mi, s := t.Clock()
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	return append2(b, s)
}

// appendEventTime writes t (UTC) as 2006-01-02T15:04:05Z.
func appendEventTime(b []byte, t time.Time) []byte {
	b = appendDate(b, t, '-')
	b = append(b, 'T')
	b = appendClock(b, t)
	return append(b, 'Z')
}

// appendAlarmTime writes t (UTC) as 2006-01-02T15:04:05.000000+00:00.
func appendAlarmTime(b []byte, t time.Time) []byte {
	b = appendDate(b, t, '-')
	b = append(b, 'T')
	b = appendClock(b, t)
	us := t.Nanosecond() / 1000
	b = append(b, '.')
	for div := 100000; div > 0; div /= 10 {
		b = append(b, byte('0'+us/div%10))
	}
	return append(b, "+00:00"...)
}

// appendS3Time writes t (UTC) as [02/Jan/2006:15:04:05 +0000].
func appendS3Time(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	b = append(b, '[')
	b = append2(b, d)
	b = append(b, '/')
	b = append(b, m.String()[:3]...)
	b = append(b, '/', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), ':')
	b = appendClock(b, t)
	return append(b, " +0000]"...)
}
