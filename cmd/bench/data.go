package main

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tp0/loteria/cmd/internal/gen"
)

// The course dataset's shape: rows and winners per agency.
var (
	courseRows    = []int{26936, 25518, 16014, 9238, 991}
	courseWinners = []int{2, 3, 3, 2, 0}
)

// courseZip is where the course dataset lives, outside the project.
const courseZip = "../shared/datasets/dataset.zip"

// agencyFiles returns the agency files of a scale, making them in dir if
// needed: the course dataset itself at scale 1 when it is available, else
// generated data of its shape with rows and winners multiplied by scale.
func agencyFiles(dir string, scale int) ([]string, string, error) {
	if scale == 1 {
		if files, err := extractCourse(filepath.Join(dir, "course")); err == nil {
			return files, "course dataset", nil
		}
	}
	sub := filepath.Join(dir, fmt.Sprintf("x%d", scale))
	files := make([]string, len(courseRows))
	for i := range files {
		files[i] = filepath.Join(sub, fmt.Sprintf("agency-%d.csv", i+1))
	}
	done := filepath.Join(sub, "complete")
	if _, err := os.Stat(done); err == nil {
		return files, "generated", nil
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, "", err
	}
	for i, path := range files {
		rows := courseRows[i] * scale
		spec := gen.Spec{Agency: i + 1, Rows: rows, Winners: gen.Spread(rows, courseWinners[i]*scale), Seed: 1}
		if err := writeFile(path, func(w io.Writer) error { return gen.Write(w, spec) }); err != nil {
			return nil, "", err
		}
	}
	return files, "generated", os.WriteFile(done, nil, 0o644)
}

func extractCourse(dir string) ([]string, error) {
	z, err := zip.OpenReader(courseZip)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for i := range courseRows {
		name := fmt.Sprintf("agency-%d.csv", i+1)
		path := filepath.Join(dir, name)
		err := writeFile(path, func(w io.Writer) error {
			r, err := z.Open(name)
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(w, r)
			return err
		})
		if err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
