// Package relevance measures search quality: judged queries on the first collection, checked
// through the real API, and a known-item evaluation on a large corpus. Its helpers read
// judgments and score rankings; the measurements themselves are the package's tests.
package relevance
