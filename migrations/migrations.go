// Package migrations holds the database schema as numbered SQL files
// (NNNN_name.sql), embedded into the binary and applied in order by
// persistence.Open. A file, once landed, is never edited: add a new one.
package migrations

import "embed"

//go:embed *.sql
var FS embed.FS
