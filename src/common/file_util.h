// Durable, private file operations on POSIX, with errno translated into Status here and nowhere
// else. Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil {

// Creates `path` and missing parents with `mode` (umask aside). OK if it already exists as a
// directory.
Status MakeDirectories(const std::string& path, mode_t mode);

// Writes `content` durably: temp file in the same directory with `mode`, fsync, rename over
// `path`, fsync the directory. A crash leaves either the old file or the new one.
Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode);

// Reads a whole (small) file. kNotFound when it does not exist.
StatusOr<std::string> ReadFile(const std::string& path);

// Writes all of `data` to `fd` (retrying short writes and EINTR); `what` names the file in errors.
Status WriteAll(int fd, std::string_view data, const std::string& what);

// fsync(2) of a directory, so a rename or a new file in it survives a crash.
Status FsyncDirectory(const std::string& dir);

// The permission bits of `path` (kNotFound when absent).
StatusOr<mode_t> FileMode(const std::string& path);

// The absolute form of `path` (which must exist).
StatusOr<std::string> AbsolutePath(const std::string& path);

// The folder part of `path`: "." when it has no '/', "/" for a file in the root.
std::string DirName(const std::string& path);

// errno → Status, naming what was being done: the one place errno becomes a Status.
Status ErrnoStatus(int err, const std::string& what);

}  // namespace sigil
