package patcher

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The corpus benchmarks: BenchmarkFix runs the engine over every corpus file;
// BenchmarkParseOnly only parses the same bytes with kyaml's YAML decoder, as
// a baseline from the same run. Compare their ns/op and B/op:
//
//	go test ./patcher -run '^$' -bench 'Fix|ParseOnly' -benchmem

func corpusBytes(b *testing.B) [][]byte {
	b.Helper()
	var out [][]byte
	for _, p := range corpusFiles(b) {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, src)
	}
	return out
}

func totalSize(files [][]byte) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	return n
}

func BenchmarkFix(b *testing.B) {
	files := corpusBytes(b)
	e, err := NewEngine(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(totalSize(files))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			_, _ = e.Fix("corpus.yaml", src)
		}
	}
}

func BenchmarkParseOnly(b *testing.B) {
	files := corpusBytes(b)
	b.SetBytes(totalSize(files))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			dec := yaml.NewDecoder(bytes.NewReader(src))
			for {
				var n yaml.Node
				if err := dec.Decode(&n); err != nil {
					if !errors.Is(err, io.EOF) {
						_ = err // invalid files count as parsed: the engine refuses them too
					}
					break
				}
			}
		}
	}
}
