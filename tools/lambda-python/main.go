// Command lambda-python unpacks the CPython build embedded in github.com/kluctl/go-embed-python
// (python-build-standalone, pinned by this module's go.mod) into a directory.
//
// The project uses that interpreter only where the build machine's own Python is another version
// than the Lambda runtime's: scripts/artifacts/build_packages.py compiles the packages' bytecode with it.
//
//	lambda-python <directory>
package main

import (
	"fmt"
	"os"

	"github.com/kluctl/go-embed-python/python"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lambda-python <directory>")
		os.Exit(2)
	}
	// withHashInDir=false: the caller's directory is already keyed by the pinned version.
	embedded, err := python.NewEmbeddedPythonWithTmpDir(os.Args[1], false)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lambda-python: unpacking into %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Println(embedded.GetExtractedPath())
}
