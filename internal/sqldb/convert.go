package sqldb

import (
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// millis encodes t as unix milliseconds; the zero time is 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis decodes unix milliseconds; 0 is the zero time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// nowMillis returns the current time at the precision stored.
func nowMillis() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

// orNow returns t at stored precision in UTC, or the current time if t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return nowMillis()
	}
	return t.UTC().Truncate(time.Millisecond)
}

// nullable stores the empty string as NULL, so that optional unique keys do
// not collide with each other.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// str decodes a nullable string column.
func str(ns sql.NullString) string { return ns.String }

// placeholders returns "$from,$from+1,...", n of them.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// params returns n placeholders numbered from from: "?, ?, ..." where the
// dialect prefers anonymous ones, else "$from,$from+1,...". A statement must
// not mix them: use it only for statements whose parameters are all in the
// list.
func (db *DB) params(from, n int) string {
	if db.d.QuestionMarks {
		if n == 0 {
			return ""
		}
		return strings.Repeat("?, ", n-1) + "?"
	}
	return placeholders(from, n)
}
