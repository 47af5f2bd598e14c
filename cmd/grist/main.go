// Command grist turns raw text corpora into LLM training data.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:])) }
