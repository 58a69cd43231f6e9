package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/rs/zerolog"
)

// File is one template file to render: a file SRC, or one file found in a
// directory SRC.
type File struct {
	// Src is the template file's path.
	Src string
	// Dest is where it is rendered to.
	Dest string
	// Mode is Src's permission bits, given to Dest.
	Mode fs.FileMode
	tmpl *template.Template
}

// Set is a parsed list of templates, ready to render.
type Set struct {
	files []File
}

// Files returns the template files of the set, directories expanded, in
// rendering order ("initd validate" lists them).
func (s *Set) Files() []File {
	return append([]File(nil), s.files...)
}

// data is what templates see.
type data struct {
	// Env is the environment COMMAND will get.
	Env map[string]string
}

// Parse checks every spec and parses its template files without rendering
// them. A SRC directory contributes every regular file below it (symbolic
// links to regular files included), rendered to the same relative path
// under DEST; entries whose name begins with ".." are skipped, which is
// how Kubernetes' ConfigMap and Secret volumes keep their internal copies,
// and symbolic links to directories are not followed. A missing or empty
// SRC, a file that does not parse, or two templates writing one DEST are
// errors wrapping [ErrUsage].
func Parse(specs ...Spec) (*Set, error) {
	set := &Set{}
	owner := map[string]string{}
	for _, spec := range specs {
		files, err := expand(spec)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			clean := filepath.Clean(f.Dest)
			if prev, dup := owner[clean]; dup {
				return nil, usage(fmt.Errorf("--template %s: %s is also written from %s", spec, f.Dest, prev))
			}
			owner[clean] = f.Src
			text, err := readRegular(f.Src)
			if err != nil {
				return nil, usage(fmt.Errorf("--template %s: %w", spec, err))
			}
			f.tmpl, err = template.New(f.Src).Option("missingkey=error").Funcs(Funcs(nil)).Parse(string(text))
			if err != nil {
				return nil, usage(fmt.Errorf("--template %s: %w", spec, err))
			}
			set.files = append(set.files, f)
		}
	}
	return set, nil
}

// expand lists the template files of one spec.
func expand(spec Spec) ([]File, error) {
	fi, err := os.Stat(spec.Src)
	if err != nil {
		return nil, usage(fmt.Errorf("--template %s: %w", spec, err))
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, usage(fmt.Errorf("--template %s: %q is %s, not a regular file or a directory", spec, spec.Src, kind(fi.Mode())))
		}
		return []File{{Src: spec.Src, Dest: spec.Dest, Mode: fi.Mode().Perm()}}, nil
	}
	var files []File
	err = filepath.WalkDir(spec.Src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != spec.Src && strings.HasPrefix(d.Name(), "..") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := os.Stat(path) // follows a symbolic link
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(spec.Src, path)
		if err != nil {
			return err
		}
		files = append(files, File{Src: path, Dest: filepath.Join(spec.Dest, rel), Mode: info.Mode().Perm()})
		return nil
	})
	if err != nil {
		return nil, usage(fmt.Errorf("--template %s: %w", spec, err))
	}
	if len(files) == 0 {
		return nil, usage(fmt.Errorf("--template %s: directory %s holds no template files", spec, spec.Src))
	}
	return files, nil
}

// Render parses specs and renders them; see [Parse] and [Set.Render].
func Render(ctx context.Context, log zerolog.Logger, env map[string]string, specs ...Spec) error {
	set, err := Parse(specs...)
	if err != nil {
		return err
	}
	return set.Render(ctx, log, env)
}

// Check executes every template with env as .Env and checks that every
// DEST could be replaced, writing nothing: what "initd validate" runs. The
// error (nil when all is well) holds one error per failing template, each
// naming SRC and DEST and, for a missing key, the key; never a value.
func (s *Set) Check(ctx context.Context, env map[string]string) error {
	_, err := s.execute(ctx, env, false)
	return err
}

// Render executes every template with env as .Env, and only when all of
// them succeeded replaces each DEST atomically (creating DEST's
// directories, mode 0755, as needed). On a rendering error no DEST has been
// touched. A DEST that exists and is not a regular file (a directory,
// /dev/null, a FIFO, a socket) is an error and is left as it was. Errors
// name SRC and DEST and, for a missing key, the key; never a value. Each
// written file is logged at info level with its src and dest.
func (s *Set) Render(ctx context.Context, log zerolog.Logger, env map[string]string) error {
	out, err := s.execute(ctx, env, true)
	if err != nil {
		return err
	}
	for i, f := range s.files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("render %s: %w", f.Src, err)
		}
		if err := writeAtomic(f.Dest, out[i], f.Mode); err != nil {
			return fmt.Errorf("render %s -> %s: %w", f.Src, f.Dest, err)
		}
		log.Info().Str("src", f.Src).Str("dest", f.Dest).Stringer("mode", f.Mode).Msg("template rendered")
	}
	return nil
}

// execute renders every template into memory and checks every DEST. With
// firstOnly it stops at the first failure; otherwise it goes on and joins
// every template's failure.
func (s *Set) execute(ctx context.Context, env map[string]string, firstOnly bool) ([][]byte, error) {
	out := make([][]byte, len(s.files))
	var errs []error
	for i, f := range s.files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("render %s: %w", f.Src, err)
		}
		b, err := f.execute(env)
		if err == nil {
			err = checkDest(f.Dest)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("render %s -> %s: %w", f.Src, f.Dest, err))
			if firstOnly {
				break
			}
		}
		out[i] = b
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// execute renders one template into memory.
func (f File) execute(env map[string]string) ([]byte, error) {
	t, err := f.tmpl.Clone()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Funcs(Funcs(env)).Execute(&buf, data{Env: env}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkDest refuses a DEST that exists and is not a regular file: renaming
// over it would replace a device, a FIFO or a socket another program
// uses, and a directory cannot be replaced. A symbolic link is followed;
// one to a regular file, or a dangling one, is replaced by the new file.
func checkDest(dest string) error {
	fi, err := os.Stat(dest)
	if err != nil || fi.Mode().IsRegular() {
		return nil // a missing DEST is created; other problems surface when writing
	}
	return fmt.Errorf("DEST %q is %s; initd replaces only regular files and leaves it as it is", dest, kind(fi.Mode()))
}

// writeAtomic replaces dest with data: a temporary file in dest's
// directory, chmod, fsync, rename, then an fsync of the directory. On any
// error the temporary file is removed and dest is as it was.
func writeAtomic(dest string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := checkDest(dest); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".initd-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // durability of the rename; best effort
		_ = d.Sync()
		d.Close()
	}
	return nil
}
