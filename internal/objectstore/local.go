package objectstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tempDir is the folder under the root where uploads are written before they
// are renamed into place. It is on the same file system as the objects, so
// the rename is atomic, and its name can never be a key (keys do not start
// with ".").
const tempDir = ".tmp"

// Local is a Store on the local file system: the object with key "a/b" is the
// file <root>/a/b. It is the embedded default for a single instance; several
// instances behind a load balancer need a shared store (S3).
//
// Writes are crash-safe: Put writes to a temporary file, syncs it, renames it
// into place and syncs the directory, so an acknowledged write survives a
// power cut and a half-written file is never visible under a real key.
type Local struct {
	root string
}

var _ Store = (*Local)(nil)

// NewLocal returns a Local store rooted at root, creating the folder (and its
// temp folder) with mode 0750 if needed. It fails if root cannot be created
// or is not a directory.
func NewLocal(root string) (*Local, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("objectstore: local root %q: %w", root, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tempDir), 0o750); err != nil {
		return nil, fmt.Errorf("objectstore: local root %q: %w", root, err)
	}
	return &Local{root: abs}, nil
}

// path returns the file name of a key that ValidKey accepted.
func (l *Local) path(key string) string {
	return filepath.Join(l.root, filepath.FromSlash(key))
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	f, err := os.CreateTemp(filepath.Join(l.root, tempDir), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	info, err := l.put(ctx, f, key, r, size)
	if err != nil {
		// Close may already have happened; the second close's error is
		// meaningless. The temp file must go in every failure case.
		_ = f.Close()
		_ = os.Remove(f.Name())
		return Info{}, err
	}
	return info, nil
}

// put does Put's work once the temp file f exists; the caller removes f if
// put fails.
func (l *Local) put(ctx context.Context, f *os.File, key string, r io.Reader, size int64) (Info, error) {
	src := contextReader(ctx, r)
	if size >= 0 {
		// One byte more than declared is enough to tell that the stream
		// is too long, without reading (or storing) the rest of it.
		src = io.LimitReader(src, size+1)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	if size >= 0 && n != size {
		return Info{}, fmt.Errorf("objectstore: put %q: declared %d bytes, got %d or more: %w", key, size, n, errSizeMismatch)
	}
	// Objects are readable by the group, like the folders NewLocal makes,
	// so that a backup job in the service's group can copy them.
	if err := f.Chmod(0o640); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: sync: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}

	// Last chance to honour a cancellation before the object becomes visible.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	dst := l.path(key)
	if err := l.mkdirs(filepath.Dir(dst)); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	// The rename is only durable once the directory entry is on disk.
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return Info{}, fmt.Errorf("objectstore: put %q: %w", key, err)
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ModTime: fi.ModTime()}, nil
}

// mkdirs creates dir and its missing parents below the root, syncing each
// parent after adding an entry to it, so that a new object's folders survive a
// crash along with the object.
func (l *Local) mkdirs(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if dir == l.root || parent == dir {
		return err // the root itself is gone
	}
	if err := l.mkdirs(parent); err != nil {
		return err
	}
	// Another Put may create the same folder at the same time.
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// syncDir flushes a directory's entries to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return d.Close()
}

// open opens the object at key for reading and returns it with its Info.
// Anything that is not a regular file (a folder like "objects/ab", or a path
// through a file) counts as missing.
func (l *Local) open(op, key string) (*os.File, Info, error) {
	f, err := os.Open(l.path(key))
	if err != nil {
		return nil, Info{}, l.fileError(op, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, Info{}, l.fileError(op, key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, Info{}, fmt.Errorf("objectstore: %s %q: not a regular file: %w", op, key, ErrNotFound)
	}
	return f, Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// fileError translates a file-system error about key.
func (l *Local) fileError(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("objectstore: %s %q: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("objectstore: %s %q: %w", op, key, err)
}

// Get implements Store. The returned reader lets io.Copy into a network
// connection use sendfile, so downloads do not pass through user space.
func (l *Local) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	if err := checkOffset(key, offset); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("objectstore: get %q: %w", key, err)
	}
	f, info, err := l.open("get", key)
	if err != nil {
		return nil, err
	}
	n, err := clipRange(key, info.Size, offset, length)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("objectstore: get %q: %w", key, err)
	}
	return &fileRange{lr: &io.LimitedReader{R: f, N: n}, f: f}, nil
}

// fileRange reads a range of a file. Its WriteTo hands the bare
// *io.LimitedReader of an *os.File to the destination's ReadFrom, which is the
// shape net/http and net recognise for sendfile.
type fileRange struct {
	lr *io.LimitedReader
	f  *os.File
}

func (r *fileRange) Read(p []byte) (int, error)         { return r.lr.Read(p) }
func (r *fileRange) WriteTo(w io.Writer) (int64, error) { return io.Copy(w, r.lr) }
func (r *fileRange) Close() error                       { return r.f.Close() }

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("objectstore: stat %q: %w", key, err)
	}
	fi, err := os.Stat(l.path(key))
	if err != nil {
		return Info{}, l.fileError("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("objectstore: stat %q: not a regular file: %w", key, ErrNotFound)
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete implements Store. It leaves empty folders behind: removing them
// would race with a concurrent Put that is about to rename a file into one.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("objectstore: delete %q: %w", key, err)
	}
	p := l.path(key)
	// os.Remove would also remove an empty folder, which is not an object.
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(l.fileError("delete", key, err), ErrNotFound) {
			return nil
		}
		return fmt.Errorf("objectstore: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("objectstore: delete %q: %w", key, err)
	}
	return nil
}

// List implements Store. It walks only the folder that the prefix names, so
// listing one shard does not read the whole tree.
func (l *Local) List(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validPrefix(prefix); err != nil {
		return err
	}
	// "objects/ab/c" lists inside "objects/ab"; "objects/" inside "objects".
	start := l.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = l.path(prefix[:i])
	}
	var fnErr error
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipAll // nothing under this prefix yet
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// Skips .tmp and anything else that no key can name.
		if strings.HasPrefix(d.Name(), ".") && p != start {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) || ValidKey(key) != nil {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while we walked
		}
		if err != nil {
			return err
		}
		if err := fn(Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
			fnErr = err
			return fs.SkipAll
		}
		return nil
	})
	if fnErr != nil {
		return fnErr // the caller's own error, unwrapped, as Store.List promises
	}
	if err != nil {
		return fmt.Errorf("objectstore: list %q: %w", prefix, err)
	}
	return nil
}

// Ping implements Store by creating and removing a file in the temp folder,
// which proves that the root exists, is a folder and is writable.
func (l *Local) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("objectstore: ping: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(l.root, tempDir), "ping-*")
	if err != nil {
		return unavailable("ping", "", "The local object folder is not writable.", err)
	}
	name := f.Name()
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(cerr, rerr); err != nil {
		return unavailable("ping", "", "The local object folder is not writable.", err)
	}
	return nil
}

// RemoveTemp deletes files in the temp folder last modified before the given
// time. They are leftovers of uploads interrupted by a crash; a periodic job
// calls it with a time well in the past (say, a day ago) so that uploads in
// progress are never touched.
func (l *Local) RemoveTemp(ctx context.Context, before time.Time) error {
	dir := filepath.Join(l.root, tempDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("objectstore: remove temp: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("objectstore: remove temp: %w", err)
		}
		fi, err := e.Info()
		if err != nil || fi.IsDir() || !fi.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("objectstore: remove temp: %w", err)
	}
	return nil
}
