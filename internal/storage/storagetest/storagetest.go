// Package storagetest holds test fixtures for code that uses
// internal/storage: an in-process S3 server. Only tests import it.
package storagetest

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 starts an in-process S3 server (gofakes3), stopped when the test
// ends, with one empty bucket, and returns the bucket's URL with its
// endpoint ("s3://bucket?endpoint=http://127.0.0.1:port"). It points the
// AWS settings of the environment at test credentials and away from any
// configuration file of the machine.
func FakeS3(t testing.TB, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return "s3://" + bucket + "?endpoint=" + srv.URL
}
