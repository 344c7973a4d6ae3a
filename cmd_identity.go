package main

import (
	"context"
	"io"
)

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return notYet("token")
}

func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return notYet("client")
}

func runSparks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return notYet("sparks")
}
