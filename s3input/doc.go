// Package s3input turns s3://BUCKET/PREFIX arguments into ingest.Inputs:
// it lists the objects under the prefix, pruned by the report's time
// window where the key layout dates them (CloudTrail delivery trees, both
// S3 server access log key formats), and opens each object as a stream
// for the readers in package ingest. It sits before ingest in the
// pipeline and does nothing else: format detection, gzip and parsing stay
// in ingest.
//
// It uses only ListObjectsV2, GetObject and HeadBucket (the bucket's
// region), through the AWS SDK's default credential chain, every request
// through the SDK's client.
package s3input
