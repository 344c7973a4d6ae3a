package main

import (
	"context"
	"io"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return notYet("import")
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return notYet("export")
}
