// Package storage reads and writes grist's inputs, work files and outputs on
// local disks and object storage (s3://, gs://, az://, file://, mem://)
// through one small interface.
//
// Invariants and rules:
//
//   - A location is a local path or a URL. Local paths go through package
//     os, exactly as before object storage existed (symlinked input files
//     are read, permission errors are reported as such); URLs go through
//     gocloud.dev/blob. file:// is a URL: it takes the blob code path on the
//     local disk (handy for tests), writing no ".attrs" sidecar files.
//   - Join, Dir and Base work on both: "/" inside a URL, with the query
//     (endpoint=, region=, use_path_style=, ...) kept at the end, so a work
//     folder derived from an output URL reaches the same server. Display
//     drops the query: it is what ids, messages and manifests show.
//   - s3:// takes its endpoint from endpoint= or AWS_ENDPOINT_URL(_S3), its
//     region from region=, AWS_REGION or AWS_DEFAULT_REGION (us-east-1 for a
//     custom endpoint without one), credentials from the AWS SDK's usual
//     chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, roles). A
//     custom endpoint implies use_path_style=true unless the URL says.
//   - Create is atomic: nothing is visible under the name until Commit
//     returns nil; Abort, or dropping the Writer, leaves nothing. Locally the
//     bytes go to a hidden ".name.tmp-*" file beside the target, synced and
//     renamed into place; on a bucket the upload (multipart for large
//     objects) completes in Commit and a cancelled context aborts it.
//     A caller that must order its commits (outputs, then stats, then the
//     completion marker) commits them one after the other: each is whole
//     when its Commit returns.
//   - OpenAt reads ranges: on a bucket each ReadAt is a ranged GET, reads
//     under 1 MiB are served from a 1 MiB read-ahead block, so a Parquet or
//     Arrow IPC file is never downloaded whole. Open streams.
//   - List is sorted by name; recursive lists hold files only. A missing
//     folder lists nothing. On a bucket a folder exists when a key lies
//     under it.
//   - Buckets are opened once per process and shared; every function is
//     safe for concurrent use.
//   - Request counts are kept (ReadCounts); with GRIST_STORAGE_TRACE=file
//     (or SetTrace) every request is logged.
//   - Uploads go in parts of 8 MiB, two in flight per writer.
//   - The gs:// and az:// drivers are linked in unless the build tags
//     grist_no_gcs / grist_no_azure leave them out (the GCS client alone
//     costs ~35 MB of binary and ~15 MB of memory at start).
package storage
