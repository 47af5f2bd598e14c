// Command grist turns raw text corpora into LLM training data.
package main

import "os"

func main() {
	stop := startHeapProfile()
	code := Main(os.Args[1:])
	stop()
	os.Exit(code)
}
