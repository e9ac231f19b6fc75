package yamledit

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// BenchmarkParseRender measures the engine over the corpus against a
// baseline, in the same run, that only decodes the same bytes with the plain
// yaml.v3 decoder. Compare the ns/op (or MB/s) of the sub-benchmarks:
//
//	go test ./patcher/yamledit -run '^$' -bench ParseRender -benchmem
func BenchmarkParseRender(b *testing.B) {
	var inputs [][]byte
	var total int64
	for _, path := range corpusFiles(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(src); err != nil {
			continue
		}
		inputs = append(inputs, src)
		total += int64(len(src))
	}
	b.Run("baseline-yaml.v3-decode", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			for _, src := range inputs {
				dec := yaml.NewDecoder(bytes.NewReader(src))
				for {
					var n yaml.Node
					if err := dec.Decode(&n); err != nil {
						if !errors.Is(err, io.EOF) {
							b.Fatal(err)
						}
						break
					}
				}
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			for _, src := range inputs {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("parse+render-unchanged", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			for _, src := range inputs {
				f, err := Parse(src)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Render(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("parse+edit+render", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			for _, src := range inputs {
				f, err := Parse(src)
				if err != nil {
					b.Fatal(err)
				}
				// A typical fix: one new key per workload-sized mapping.
				for _, d := range f.Docs() {
					if d.YNode().Kind == yaml.MappingNode {
						_ = d.PipeE(yaml.SetField("pssBotBench", yaml.NewScalarRNode("true")))
					}
				}
				if _, err := f.Render(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
