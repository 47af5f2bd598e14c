//go:build !grist_no_azure

package storage

// az:// (Azure Blob Storage); build with -tags grist_no_azure to leave it out.
import _ "gocloud.dev/blob/azureblob"
