//go:build lingua_high

package main

// Built with -tags lingua_high, grist links lingua-go's 4- and 5-gram models
// (about 150 MB) so that the lang stage takes accuracy: high.
import _ "github.com/grist/grist/annotate/lang/linguahigh"
