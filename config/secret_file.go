package config

import (
	"fmt"
	"os"
	"runtime"
)

// openSecretBits are the permission bits a file holding secrets must not have: readable by others, or
// writable by group or others. Group read is allowed: Kubernetes mounts a Secret's files read-only
// with the pod's fsGroup as their group and adds group read (mode 0440), and only the pod's own user
// is in that group.
const openSecretBits = 0o026

// ReadSecretFile reads a file of secrets (what names it in messages) after checking its mode. The
// mode that counts is the file's, not that of a symbolic link to it.
func ReadSecretFile(what, path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s %s is a folder; give the file itself", what, path)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&openSecretBits != 0 {
		return nil, fmt.Errorf("%s %s is readable by others or writable by group or others (mode %04o); "+
			"run: chmod 600 %s (0400 and 0440 are fine too)", what, path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return data, nil
}
