//go:build !grist_no_gcs

package storage

// gs:// (Google Cloud Storage). Its client libraries add ~35 MB to the
// binary and ~15 MB of memory at start; build with -tags grist_no_gcs to
// leave them out.
import _ "gocloud.dev/blob/gcsblob"
